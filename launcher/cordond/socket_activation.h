// systemd socket activation (sd_listen_fds(3) protocol, without libsystemd):
// the service manager binds the socket, then starts the daemon with the
// listening socket at fd 3, LISTEN_FDS=1 and LISTEN_PID=<the daemon's pid>.
//
// Contract:
// - LISTEN_PID unset, or naming another process: no socket was passed to
//   this process (the variables were inherited); `fd` is nullopt, no error.
// - Otherwise exactly one fd must be passed, and it must be a listening
//   AF_UNIX SOCK_STREAM socket; anything else is an error (the daemon must
//   not guess which socket to serve).
// - The LISTEN_* variables are removed from the environment in every case,
//   and the accepted fd is made close-on-exec, so neither leaks to the
//   processes the daemon starts.
// - The socket's file belongs to the service manager: the daemon must not
//   unlink or chmod it.
#pragma once

#include <optional>
#include <string>

namespace cordon::cordond {

struct ActivatedSocket {
  std::optional<int> fd;  // the listening socket, when one was passed
  std::string path;       // its bound path (from getsockname), may be empty
  std::string error;      // non-empty: a socket was passed but is unusable
};

// Reads LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES for the calling process.
ActivatedSocket take_activated_socket();

}  // namespace cordon::cordond
