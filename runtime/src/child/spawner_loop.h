// The spawner process's side of the spawner protocol (sandbox/spawner.h).
//
// The spawner is a small process forked from the launcher that makes the
// clone3 calls for sandboxes, so that a sandbox's init shares the
// spawner's few pages copy-on-write, not the launcher's heap (where every
// page the launcher writes afterwards would take a copy-on-write fault
// while the sandbox runs).
//
// It runs either as its own small static program (cordon-spawner, exec'd
// with its socket on descriptor 3) or, failing that, as a fork of the
// launcher. Either way it first sends a SpawnerHello; the launcher refuses
// a spawner whose hello does not match its own build.
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

#include "child/child_spec.h"

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

inline constexpr std::uint32_t kHelloMagic = 0x4f4c4548;  // "HELO"
// Bump when the request, reply or flattened-spec format changes in a way
// the sizes below do not show.
inline constexpr std::uint32_t kSpawnerProtocol = 1;

// The spawner's first message: what it was built with.
struct SpawnerHello {
  std::uint32_t magic = kHelloMagic;
  std::uint32_t protocol = kSpawnerProtocol;
  std::uint64_t spec_size = sizeof(ChildSpec);
  std::uint64_t request_size = sizeof(SpawnRequest);
  std::uint64_t reply_size = sizeof(SpawnReply);
  bool operator==(const SpawnerHello&) const = default;
};

// Sends the hello, then serves requests on `sock` until EOF, then exits.
// Never returns.
[[noreturn]] void spawner_main(int sock);

}  // namespace cordon::child
