// The spawner: a small helper process that makes the clone3 calls for
// sandboxes on a launcher's behalf.
//
// A sandbox's init is a fork of whichever process cloned it and lives as
// long as the call. Cloned from a large, multi-threaded launcher (cordond),
// it shares the launcher's heap copy-on-write for that whole time: every
// page the launcher then writes (its allocator, the output filter, other
// calls) takes a copy-on-write fault and a TLB shootdown. Cloned from the
// spawner, it shares only the spawner's few pages.
//
// The child is made with CLONE_PARENT, so the launcher stays its parent:
// it waits for it, receives its SIGCHLD, and the child's parent-death
// signal follows the launcher. Everything else (id maps, cgroup, the
// handshake, supervision) is the launcher's, exactly as for a direct clone.
//
// If the spawner process dies, calls fall back to cloning directly in the
// launcher (slower, equally contained); alive() then returns false.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>

namespace cordon {

namespace child {
struct ChildSpec;
}

class Spawner {
 public:
  // Forks the spawner process. Call it early, while the launcher is small:
  // the spawner keeps a copy of the launcher's memory as it is then. Safe
  // from a multi-threaded process (the spawner only makes raw syscalls).
  // The parent-death signal of the spawner (and of every sandbox) follows
  // the calling thread, so call it from a thread that lives as long as the
  // launcher (the main thread). Null with `err` on failure.
  static std::shared_ptr<Spawner> start(std::string& err);

  ~Spawner();  // closes the socket (the spawner exits on EOF) and reaps it
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  struct Spawned {
    pid_t pid = -1;   // > 0 on success
    int pidfd = -1;   // owned by the caller
    int err = 0;      // clone3's errno when pid <= 0 and the spawner answered
    bool unavailable = false;  // the spawner is gone or the spec too large: clone directly
  };
  // Clones a child running child::run_child(spec) with `clone_flags` (plus
  // CLONE_PIDFD and CLONE_PARENT). Sends spec's descriptors (stdin_fd only
  // when >= 0); the caller keeps its copies and closes them. Thread-safe
  // (one request at a time).
  Spawned spawn(const child::ChildSpec& spec, unsigned long clone_flags);

  bool alive() const;
  pid_t pid() const { return pid_; }
  std::uint64_t spawned() const;

 private:
  Spawner(pid_t pid, int sock) : pid_(pid), sock_(sock) {}
  void mark_dead();

  pid_t pid_;
  int sock_;
  mutable std::mutex mu_;
  bool dead_ = false;
  std::uint64_t spawned_ = 0;
};

}  // namespace cordon
