// receive_call(): the warm child's side of the hand-over (call_message.h).
// Runs between clone and execve: raw syscalls only, no allocation but mmap.
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child/call_message.h"
#include "child/fd_passing.h"

namespace cordon::child {

int receive_call(int fd, ReceivedCall& out) {
  constexpr std::size_t kPtrBytes = (kMaxCallStrings + 2) * sizeof(char*);
  void* mem = mmap(nullptr, kMaxCallBytes + 1 + kPtrBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return errno;
  char* buf = static_cast<char*>(mem);
  char** ptrs = reinterpret_cast<char**>(buf + ((kMaxCallBytes + 1 + alignof(char*) - 1) & ~(alignof(char*) - 1)));

  Received got;
  const ssize_t n = recv_with_fds(fd, buf, kMaxCallBytes, 1, got);
  if (n < 0) return errno;
  if (n == 0) return ECONNRESET;
  if (got.truncated) return EMSGSIZE;
  if (got.nfds != 1) return EBADMSG;
  const int stdin_fd = got.fds[0];

  CallHeader h;
  if (static_cast<std::size_t>(n) < sizeof h) return EBADMSG;
  std::memcpy(&h, buf, sizeof h);
  const std::size_t total = sizeof h + h.bytes;
  if (h.magic != kCallMagic || total != static_cast<std::size_t>(n) || h.argc == 0 ||
      static_cast<std::size_t>(h.argc) + h.envc > kMaxCallStrings)
    return EBADMSG;
  buf[total] = '\0';  // the mapping has one spare byte: a missing final NUL cannot overrun

  // exec_path, argv..., NULL, env..., NULL: every string must end inside
  // the message.
  char* p = buf + sizeof h;
  char* const end = buf + total;
  auto next = [&](char*& s) {
    if (p >= end) return false;
    s = p;
    while (p < end && *p != '\0') ++p;
    if (p >= end) return false;
    ++p;
    return true;
  };
  char* exec_path = nullptr;
  if (!next(exec_path)) return EBADMSG;
  std::size_t k = 0;
  for (std::uint32_t i = 0; i < h.argc; ++i)
    if (!next(ptrs[k++])) return EBADMSG;
  ptrs[k++] = nullptr;
  char** envp = ptrs + k;
  for (std::uint32_t i = 0; i < h.envc; ++i)
    if (!next(ptrs[k++])) return EBADMSG;
  ptrs[k] = nullptr;
  if (p != end) return EBADMSG;

  out.exec_path = exec_path;
  out.argv = ptrs;
  out.envp = envp;
  out.stdin_fd = stdin_fd;
  return 0;
}

}  // namespace cordon::child
