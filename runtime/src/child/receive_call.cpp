// receive_call(): the warm child's side of the hand-over (call_message.h).
// Runs between clone and execve: raw syscalls only, no allocation but mmap.
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child/call_message.h"

namespace cordon::child {

int receive_call(int fd, ReceivedCall& out) {
  constexpr std::size_t kPtrBytes = (kMaxCallStrings + 2) * sizeof(char*);
  void* mem = mmap(nullptr, kMaxCallBytes + 1 + kPtrBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return errno;
  char* buf = static_cast<char*>(mem);
  char** ptrs = reinterpret_cast<char**>(buf + ((kMaxCallBytes + 1 + alignof(char*) - 1) & ~(alignof(char*) - 1)));

  iovec iov{buf, kMaxCallBytes};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  long n;
  do {
    n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  if (n == 0) return ECONNRESET;
  if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) return EMSGSIZE;

  int stdin_fd = -1;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm != nullptr; cm = CMSG_NXTHDR(&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
      std::memcpy(&stdin_fd, CMSG_DATA(cm), sizeof(int));
  if (stdin_fd < 0) return EBADMSG;

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
