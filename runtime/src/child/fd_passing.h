// One message with descriptors attached (SCM_RIGHTS) over a Unix socket:
// the single implementation the child, the spawner and the launcher share.
// Async-signal-safe (sendmsg/recvmsg/close and memcpy only), so the child
// and the spawner may use it.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace cordon::child {

inline constexpr int kMaxPassedFds = 8;

// Sends [buf, buf+len) with fds[0..nfds) attached (nothing attached when
// nfds is 0; at most kMaxPassedFds). MSG_NOSIGNAL; retries EINTR. Returns
// what sendmsg returns.
inline ssize_t send_with_fds(int sock, const void* buf, std::size_t len, const int* fds, int nfds) noexcept {
  if (nfds < 0 || nfds > kMaxPassedFds) {
    errno = EINVAL;
    return -1;
  }
  iovec iov{const_cast<void*>(buf), len};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxPassedFds)] = {};
  if (nfds > 0) {
    const std::size_t bytes = sizeof(int) * static_cast<std::size_t>(nfds);
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(bytes);
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(bytes);
    std::memcpy(CMSG_DATA(cm), fds, bytes);
  }
  ssize_t n;
  do n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

// What recv_with_fds received besides the bytes.
struct Received {
  int fds[kMaxPassedFds];
  int nfds = 0;            // descriptors stored in fds (close-on-exec)
  bool truncated = false;  // MSG_TRUNC or MSG_CTRUNC: the message did not fit
  void close_all() noexcept {
    for (int i = 0; i < nfds; ++i) close(fds[i]);
    nfds = 0;
  }
};

// Receives into [buf, buf+len) (recvmsg with `flags` | MSG_CMSG_CLOEXEC;
// retries EINTR). Keeps up to `max_fds` descriptors in `got` and closes any
// beyond that. Returns what recvmsg returns.
inline ssize_t recv_with_fds(int sock, void* buf, std::size_t len, int max_fds, Received& got, int flags = 0) noexcept {
  got.nfds = 0;
  got.truncated = false;
  iovec iov{buf, len};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxPassedFds)] = {};
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return n;
  got.truncated = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm != nullptr; cm = CMSG_NXTHDR(&mh, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0)) continue;
    const std::size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < k; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      if (got.nfds < max_fds && got.nfds < kMaxPassedFds) got.fds[got.nfds++] = fd;
      else close(fd);
    }
  }
  return n;
}

// Sends all of [buf, buf+len) on a stream socket (MSG_NOSIGNAL; retries
// EINTR and short sends). False on error or a closed peer.
inline bool send_all(int sock, const void* buf, std::size_t len) noexcept {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t k = send(sock, p, len, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    len -= static_cast<std::size_t>(k);
  }
  return true;
}

// Receives exactly len bytes from a stream socket (retries EINTR and short
// reads). False on error or EOF before len bytes.
inline bool recv_all(int sock, void* buf, std::size_t len) noexcept {
  char* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t k = recv(sock, p, len, MSG_WAITALL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    len -= static_cast<std::size_t>(k);
  }
  return true;
}

}  // namespace cordon::child
