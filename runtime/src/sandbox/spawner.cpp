// Spawner: the launcher's side (cordon/spawner.h); the process's side is
// child/spawner_loop.cpp.
#include "cordon/spawner.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/fd_passing.h"
#include "child/spawner_loop.h"
#include "child/spec_wire.h"

namespace cordon {
namespace {

// Wipes a buffer that may hold secret values before it is freed.
void wipe(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
}

}  // namespace

std::shared_ptr<Spawner> Spawner::start(std::string& err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    err = std::string("socketpair: ") + std::strerror(errno);
    return nullptr;
  }
  const pid_t launcher = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    err = std::string("fork: ") + std::strerror(errno);
    close(sv[0]);
    close(sv[1]);
    return nullptr;
  }
  if (pid == 0) {
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != launcher) _exit(0);
    close(sv[0]);
    child::spawner_main(sv[1]);
  }
  close(sv[1]);
  return std::shared_ptr<Spawner>(new Spawner(pid, sv[0]));
}

Spawner::~Spawner() {
  if (sock_ >= 0) close(sock_);
  if (pid_ > 0) {
    int st;
    while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
}

void Spawner::mark_dead() {
  // Caller holds mu_. Kill it in case it is only out of step with us.
  dead_ = true;
  if (sock_ >= 0) close(sock_);
  sock_ = -1;
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int st;
    while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

bool Spawner::alive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !dead_;
}

std::uint64_t Spawner::spawned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spawned_;
}

Spawner::Spawned Spawner::spawn(const child::ChildSpec& spec, unsigned long clone_flags) {
  Spawned out;
  std::string wire = child::flatten_spec(spec);
  if (wire.size() > child::kMaxWireSpec) {
    wipe(wire);
    out.unavailable = true;
    return out;
  }
  child::SpawnRequest req;
  const int fds[child::kSpawnFds] = {spec.status_fd, spec.sync_fd, spec.stdout_fd, spec.stderr_fd, spec.stdin_fd};
  req.nfds = spec.stdin_fd >= 0 ? 5 : 4;
  req.clone_flags = clone_flags;
  req.bytes = wire.size();

  std::lock_guard<std::mutex> lock(mu_);
  if (dead_) {
    wipe(wire);
    out.unavailable = true;
    return out;
  }
  bool sent = child::send_with_fds(sock_, &req, sizeof req, fds, static_cast<int>(req.nfds)) ==
                  static_cast<ssize_t>(sizeof req) &&
              child::send_all(sock_, wire.data(), wire.size());
  wipe(wire);

  child::SpawnReply rep;
  child::Received got;
  ssize_t n = sent ? child::recv_with_fds(sock_, &rep, sizeof rep, 1, got, MSG_WAITALL) : -1;
  if (n != static_cast<ssize_t>(sizeof rep)) {
    got.close_all();
    mark_dead();
    out.unavailable = true;
    return out;
  }
  if (rep.pid <= 0) got.close_all();
  if (got.nfds == 1) out.pidfd = got.fds[0];
  if (rep.pid > 0 && out.pidfd < 0) {
    // A child without its pidfd cannot be supervised: end it.
    kill(static_cast<pid_t>(rep.pid), SIGKILL);
    waitpid(static_cast<pid_t>(rep.pid), nullptr, 0);
    out.err = EBADF;
    return out;
  }
  if (rep.pid > 0) ++spawned_;
  out.pid = static_cast<pid_t>(rep.pid);
  out.err = rep.pid > 0 ? 0 : rep.err;
  return out;
}

}  // namespace cordon
