#include "spawn.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cordon::bench {

std::optional<Command> Command::make(std::vector<std::string> argv, std::vector<std::string> env, std::string& err) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    err = "a command needs an absolute argv[0]";
    return std::nullopt;
  }
  Command c;
  c.devnull_ = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (c.devnull_ < 0) {
    err = std::string("open /dev/null: ") + std::strerror(errno);
    return std::nullopt;
  }
  c.argv_ = std::move(argv);
  c.env_ = std::move(env);
  c.rebuild_pointers();
  return c;
}

Command::Command(Command&& o) noexcept
    : argv_(std::move(o.argv_)), env_(std::move(o.env_)), devnull_(o.devnull_) {
  o.devnull_ = -1;
  rebuild_pointers();
}

Command& Command::operator=(Command&& o) noexcept {
  if (this != &o) {
    if (devnull_ >= 0) close(devnull_);
    argv_ = std::move(o.argv_);
    env_ = std::move(o.env_);
    devnull_ = o.devnull_;
    o.devnull_ = -1;
    rebuild_pointers();
  }
  return *this;
}

Command::~Command() {
  if (devnull_ >= 0) close(devnull_);
}

void Command::rebuild_pointers() {
  argv_ptrs_.clear();
  env_ptrs_.clear();
  for (auto& a : argv_) argv_ptrs_.push_back(a.data());
  argv_ptrs_.push_back(nullptr);
  for (auto& e : env_) env_ptrs_.push_back(e.data());
  env_ptrs_.push_back(nullptr);
}

std::string Command::run() const {
  pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    // Only async-signal-safe calls between fork and execve.
    dup2(devnull_, 0);
    dup2(devnull_, 1);
    dup2(devnull_, 2);
    execve(argv_ptrs_[0], argv_ptrs_.data(), env_ptrs_.data());
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return "";
  if (WIFEXITED(st)) return argv_[0] + " exited " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return argv_[0] + " killed by signal " + std::to_string(WTERMSIG(st));
  return argv_[0] + " ended with status " + std::to_string(st);
}

std::string Command::display() const {
  std::string out;
  for (const auto& a : argv_) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-=:,+") ==
                                   std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char ch : a) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      out += '\'';
    }
  }
  return out;
}

}  // namespace cordon::bench
