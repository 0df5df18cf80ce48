// The spawner process's side of the spawner protocol (sandbox/spawner.h).
//
// The spawner is a small process forked from the launcher that makes the
// clone3 calls for sandboxes, so that a sandbox's init shares the
// spawner's few pages copy-on-write, not the launcher's heap (where every
// page the launcher writes afterwards would take a copy-on-write fault
// while the sandbox runs).
//
// Protocol, on a SOCK_STREAM socket: the launcher sends a SpawnRequest with
// the child's channels as SCM_RIGHTS (status, sync, stdout, stderr, and
// stdin unless the spec is warm), then `bytes` bytes of a flattened
// ChildSpec (spec_wire.h). The spawner answers with a SpawnReply and, when
// the clone succeeded, the child's pidfd as SCM_RIGHTS. The child is made
// with CLONE_PARENT: the launcher is its parent (it waits for it, it gets
// its SIGCHLD, and the child's parent-death signal follows the launcher).
// EOF on the socket ends the spawner.
//
// Everything here is async-signal-safe (no allocation), so the spawner may
// be forked from a multi-threaded launcher.
#pragma once

#include <cstdint>

namespace cordon::child {

inline constexpr std::uint32_t kSpawnMagic = 0x4e574153;  // "SAWN"
inline constexpr int kSpawnFds = 5;                       // status, sync, stdout, stderr, stdin

struct SpawnRequest {
  std::uint32_t magic = kSpawnMagic;
  std::uint32_t nfds = 0;  // 4 (no stdin: warm) or 5
  std::uint64_t clone_flags = 0;
  std::uint64_t bytes = 0;  // flattened spec that follows
};

struct SpawnReply {
  std::int64_t pid = -1;  // > 0: the child, its pidfd attached
  std::int32_t err = 0;   // errno of clone3 when pid <= 0
  std::int32_t pad = 0;
};

// Serves requests on `sock` until EOF, then exits. Never returns.
[[noreturn]] void spawner_main(int sock);

}  // namespace cordon::child
