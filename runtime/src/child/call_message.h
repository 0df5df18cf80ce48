// The call a warm (pre-built) sandbox waits for: what run_plan hands over
// when it takes a parked child from the warm pool.
//
// A warm child does every setup step up to and including Landlock, sends
// ChildMsg{kind=Parked} and blocks in receive_call() on its status socket
// (SOCK_SEQPACKET, so one message is one call). The message is a CallHeader
// followed by `bytes` bytes of NUL-terminated strings: the executable path,
// then `argc` argv strings, then `envc` "NAME=value" strings; the tool's
// stdin arrives with it as one SCM_RIGHTS descriptor. The child then
// continues with Stdio, CloseFds, Signals, Seccomp and execve, exactly as a
// cold child does. EOF on the socket (the pool dropped the sandbox) makes
// the child exit quietly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cordon::child {

inline constexpr std::uint32_t kCallMagic = 0x4c4c4143;  // "CALL"
// Upper bound of a call message (header + strings); larger calls run cold.
// Below the default socket send buffer, so one sendmsg always fits.
inline constexpr std::size_t kMaxCallBytes = 128 * 1024;
// Upper bound of argc + envc.
inline constexpr std::size_t kMaxCallStrings = 8192;

struct CallHeader {
  std::uint32_t magic = kCallMagic;
  std::uint32_t argc = 0;
  std::uint32_t envc = 0;
  std::uint32_t bytes = 0;  // string bytes after the header
};

// What the child received. The strings and the pointer arrays live in an
// anonymous mapping the child never frees (it execs or exits).
struct ReceivedCall {
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdin_fd = -1;
};

// Child side, async-signal-safe (raw syscalls, no allocation but mmap).
// Blocks until the call arrives. Returns 0, or an errno value; ECONNRESET
// means the parent closed the socket (the sandbox is no longer wanted).
int receive_call(int fd, ReceivedCall& out);

}  // namespace cordon::child
