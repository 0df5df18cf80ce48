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
// The spawner is the cordon-spawner program (a small static executable)
// when one is found and safe: a sandbox's init is then a copy of a process
// of a few dozen pages that holds no copy of the launcher's memory (clones
// and exits about 10% cheaper in CPU than from a forked launcher). Looked
// for, in order: $CORDON_SPAWNER if set (only that one), else the install
// path (<prefix>/libexec/cordon/cordon-spawner), else the build tree's. A
// program is used only if it is a regular file owned by root or by us,
// neither it nor its directory writable by group or others, and its hello
// matches this build; otherwise the launcher forks a copy of itself to
// serve as the spawner (start() says which in `notes`).
//
// If the spawner process dies, calls fall back to cloning directly in the
// launcher (slower, equally contained); alive() then returns false until
// relaunch() starts a new spawner program.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cordon {

namespace child {
struct ChildSpec;
}

class Spawner {
 public:
  // Starts the spawner process (the program, or a fork). Call it early,
  // while the launcher is small: a forked spawner keeps a copy of the
  // launcher's memory as it is then. Safe
  // from a multi-threaded process (the spawner only makes raw syscalls).
  // The parent-death signal of the spawner (and of every sandbox) follows
  // the calling thread, so call it from a thread that lives as long as the
  // launcher (the main thread). Null with `err` on failure.
  // `notes` gets one line per spawner program that exists and was not used.
  static std::shared_ptr<Spawner> start(std::string& err, std::vector<std::string>* notes = nullptr);

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
  pid_t pid() const;
  std::uint64_t spawned() const;  // over every spawner process this object has had
  std::uint64_t restarts() const;

  // After the spawner process died: starts a new one from the same program
  // (true at once if it is alive). Not for a forked spawner: a fork of the
  // launcher now would copy its memory, secrets included (false, `err`).
  // Call it from the thread that called start(): the spawner's
  // parent-death signal follows that thread.
  bool relaunch(std::string& err);
  // The spawner program's path, or "" when the spawner is a fork of the launcher.
  const std::string& program() const { return program_; }

 private:
  // One running spawner process and the launcher's end of its socket.
  struct Process {
    pid_t pid = -1;
    int sock = -1;
  };
  // Starts one spawner: the program at `path`, or a fork when `path` is "".
  // pid -1 with `err` when it could not be started or its hello is wrong.
  static Process launch(const std::string& path, std::string& err);
  Spawner(Process p, std::string program) : pid_(p.pid), sock_(p.sock), program_(std::move(program)) {}
  void mark_dead();

  pid_t pid_;
  int sock_;
  const std::string program_;
  mutable std::mutex mu_;
  bool dead_ = false;
  std::uint64_t spawned_ = 0;
  std::uint64_t restarts_ = 0;
};

}  // namespace cordon
