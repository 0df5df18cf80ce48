// Spawner: the launcher's side (cordon/spawner.h); the process's side is
// child/spawner_loop.cpp.
#include "cordon/spawner.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

// The program candidates, in order (see spawner.h).
std::vector<std::string> spawner_programs() {
  if (const char* e = std::getenv("CORDON_SPAWNER")) return {e};
  return {CORDON_SPAWNER_INSTALL_PATH, CORDON_SPAWNER_BUILD_PATH};
}

// Opens `path` (O_PATH) if it is safe to exec as the spawner: a regular
// file owned by root or by us, neither it nor its directory writable by
// group or others. -1 with `why` otherwise.
int open_program(const std::string& path, std::string& why) {
  auto owned_ok = [](const struct stat& st) { return st.st_uid == 0 || st.st_uid == geteuid(); };
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  struct stat ds{};
  if (stat(dir.c_str(), &ds) != 0) {
    why = errno == ENOENT ? "" : std::string("its directory: ") + std::strerror(errno);  // "": not installed
    return -1;
  }
  if (!owned_ok(ds) || (ds.st_mode & (S_IWGRP | S_IWOTH))) {
    why = "its directory is writable by others or not owned by root or us";
    return -1;
  }
  int fd = open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    why = errno == ENOENT ? "" : std::strerror(errno);
    return -1;
  }
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !owned_ok(st) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
      !(st.st_mode & S_IXUSR)) {
    why = "not a regular executable file owned by root or us and writable only by its owner";
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::shared_ptr<Spawner> Spawner::start(std::string& err, std::vector<std::string>* notes) {
  for (const std::string& path : spawner_programs()) {
    std::string why;
    if (Process p = launch(path, why); p.pid > 0) return std::shared_ptr<Spawner>(new Spawner(p, path));
    if (notes && !why.empty()) notes->push_back(path + ": " + why);  // not a note: not there
  }
  Process p = launch("", err);
  return p.pid > 0 ? std::shared_ptr<Spawner>(new Spawner(p, "")) : nullptr;
}

Spawner::Process Spawner::launch(const std::string& path, std::string& err) {
  int prog = -1;
  if (!path.empty() && (prog = open_program(path, err)) < 0) return {};
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    err = std::string("socketpair: ") + std::strerror(errno);
    if (prog >= 0) close(prog);
    return {};
  }
  const pid_t launcher = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    err = std::string("fork: ") + std::strerror(errno);
    close(sv[0]);
    close(sv[1]);
    if (prog >= 0) close(prog);
    return {};
  }
  if (pid == 0) {
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != launcher) _exit(0);
    close(sv[0]);
    if (prog < 0) child::spawner_main(sv[1]);
    // The program: its socket on descriptor 3 (not close-on-exec), no
    // environment. The exec'd file is the one checked (by descriptor).
    if (prog == 3 && (prog = fcntl(3, F_DUPFD_CLOEXEC, 4)) < 0) _exit(127);
    if (sv[1] == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(sv[1], 3) != 3) _exit(127);
    char name[] = "cordon-spawner";
    char* const argv[] = {name, nullptr};
    char* const envp[] = {nullptr};
    syscall(SYS_execveat, prog, "", argv, envp, AT_EMPTY_PATH);
    _exit(127);
  }
  close(sv[1]);
  if (prog >= 0) close(prog);
  // Its hello, within a few seconds: a program from another build (or not
  // a spawner at all) is refused.
  child::SpawnerHello hello{};
  hello.magic = 0;
  pollfd pfd{sv[0], POLLIN, 0};
  bool ok = poll(&pfd, 1, 5000) == 1 && child::recv_all(sv[0], &hello, sizeof hello) && hello == child::SpawnerHello{};
  if (!ok) {
    err = hello.magic == child::kHelloMagic ? "built for another protocol or spec layout" : "did not start as a spawner";
    close(sv[0]);
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return {};
  }
  return Process{pid, sv[0]};
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

pid_t Spawner::pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_;
}

std::uint64_t Spawner::restarts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restarts_;
}

bool Spawner::relaunch(std::string& err) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dead_) return true;
  if (program_.empty()) {
    err = "the spawner was a fork of the launcher (no cordon-spawner program), which is not made again";
    return false;
  }
  Process p = launch(program_, err);
  if (p.pid <= 0) return false;
  pid_ = p.pid;
  sock_ = p.sock;
  dead_ = false;
  ++restarts_;
  return true;
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
