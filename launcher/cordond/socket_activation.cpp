#include "cordond/socket_activation.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace cordon::cordond {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

std::optional<long> parse_number(const char* s) {
  if (s == nullptr || *s == '\0') return std::nullopt;
  long v = 0;
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, v);
  if (ec != std::errc() || p != end || v < 0) return std::nullopt;
  return v;
}

std::string errno_text(int e) { return std::system_category().message(e); }

int int_sockopt(int fd, int opt, std::string& err, const char* what) {
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) != 0) {
    err = std::string("the passed fd 3: cannot read ") + what + ": " + errno_text(errno);
    return -1;
  }
  return v;
}

// Checks that `fd` is a listening AF_UNIX SOCK_STREAM socket; returns its path.
std::optional<std::string> check_listener(int fd, std::string& err) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    err = "the passed fd 3 is not open: " + errno_text(errno);
    return std::nullopt;
  }
  if (!S_ISSOCK(st.st_mode)) {
    err = "the passed fd 3 is not a socket";
    return std::nullopt;
  }
  int domain = int_sockopt(fd, SO_DOMAIN, err, "SO_DOMAIN");
  if (domain < 0) return std::nullopt;
  if (domain != AF_UNIX) {
    err = "the passed fd 3 is not an AF_UNIX socket (family " + std::to_string(domain) + ")";
    return std::nullopt;
  }
  int type = int_sockopt(fd, SO_TYPE, err, "SO_TYPE");
  if (type < 0) return std::nullopt;
  if (type != SOCK_STREAM) {
    err = "the passed fd 3 is not a SOCK_STREAM socket (use ListenStream=)";
    return std::nullopt;
  }
  int listening = int_sockopt(fd, SO_ACCEPTCONN, err, "SO_ACCEPTCONN");
  if (listening < 0) return std::nullopt;
  if (listening == 0) {
    err = "the passed fd 3 is not listening (use Accept=no)";
    return std::nullopt;
  }
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    err = "the passed fd 3: getsockname: " + errno_text(errno);
    return std::nullopt;
  }
  std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
  if (n > 0 && addr.sun_path[0] == '\0') return "@" + std::string(addr.sun_path + 1, n - 1);  // abstract
  return std::string(addr.sun_path, strnlen(addr.sun_path, n));
}

}  // namespace

ActivatedSocket take_activated_socket() {
  ActivatedSocket out;
  std::optional<long> pid = parse_number(std::getenv("LISTEN_PID"));
  std::optional<long> fds = parse_number(std::getenv("LISTEN_FDS"));
  bool has_pid = std::getenv("LISTEN_PID") != nullptr;
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (!has_pid) return out;
  if (!pid) {
    out.error = "LISTEN_PID is not a process id";
    return out;
  }
  if (*pid != static_cast<long>(getpid())) return out;  // meant for another process
  if (!fds) {
    out.error = "LISTEN_PID names this process but LISTEN_FDS is missing or not a number";
    return out;
  }
  if (*fds != 1) {
    out.error = "socket activation passed " + std::to_string(*fds) + " fds; cordond serves exactly one socket";
    return out;
  }
  auto path = check_listener(kFirstFd, out.error);
  if (!path) return out;
  int flags = fcntl(kFirstFd, F_GETFD);
  if (flags < 0 || fcntl(kFirstFd, F_SETFD, flags | FD_CLOEXEC) != 0) {
    out.error = "the passed fd 3: cannot set close-on-exec: " + errno_text(errno);
    return out;
  }
  out.fd = kFirstFd;
  out.path = *path;
  return out;
}

}  // namespace cordon::cordond
