#include "bench_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <algorithm>

#include "proc_probe.h"

namespace cordon::bench {
namespace {

bool write_file(const std::string& path, const std::string& text, std::string& err) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    err = "cannot write " + path;
    return false;
  }
  return true;
}

bool can_connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// Waits up to `ms` for `pid` to exit; its status, or nullopt.
std::optional<int> wait_for(pid_t pid, int ms) {
  for (int waited = 0; waited <= ms; waited += 10) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

}  // namespace

std::optional<BenchDaemon> BenchDaemon::start(const DaemonSetup& setup, std::string& err) {
  char tmpl[] = "/tmp/cordon-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    err = std::string("mkdtemp: ") + std::strerror(errno);
    return std::nullopt;
  }
  BenchDaemon d;
  d.dir_ = tmpl;
  d.socket_ = d.dir_ + "/cordond.sock";
  d.config_ = d.dir_ + "/cordond.json";
  std::error_code ec;
  std::filesystem::create_directories(d.dir_ + "/ws", ec);
  if (ec) {
    err = "cannot create " + d.dir_ + "/ws: " + ec.message();
    return std::nullopt;
  }
  const unsigned uid = geteuid();
  nlohmann::json policy = {
      {"tenants",
       {{"bench",
         {{"uids", {uid}},
          {"tools", {"*"}},
          {"workspace_root", d.dir_ + "/ws"},
          {"max_running", setup.max_running},
          {"max_queued", setup.max_queued}}}}},
      {"admins", {{"uids", {uid}}}}};
  nlohmann::json config = {{"socket", d.socket_},
                           {"socket_mode", "0600"},
                           {"profile_dirs", {setup.profile_dir}},
                           {"policy", d.dir_ + "/policy.json"},
                           {"max_running", setup.max_running},
                           {"max_queued", setup.max_queued},
                           {"max_connections", setup.max_connections},
                           {"shutdown_grace_ms", 2000}};
  if (!setup.warm_pool.empty()) {
    unsigned total = 0;
    for (const auto& [name, size] : setup.warm_pool) total += size;
    config["warm_pool"] = {{"profiles", setup.warm_pool}, {"max_total", std::max(1u, total)}};
  }
  if (!write_file(d.dir_ + "/policy.json", policy.dump(2), err)) return std::nullopt;
  if (!write_file(d.config_, config.dump(2), err)) return std::nullopt;

  const std::string logpath = d.dir_ + "/cordond.log";
  int log = open(logpath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) {
    err = "cannot open " + logpath + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const pid_t parent = getpid();
  d.pid_ = fork();
  if (d.pid_ < 0) {
    err = std::string("fork: ") + std::strerror(errno);
    close(log);
    return std::nullopt;
  }
  if (d.pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
    if (getppid() != parent) _exit(126);
    int nul = open("/dev/null", O_RDONLY);
    dup2(nul, 0);
    dup2(log, 1);
    dup2(log, 2);
    execl(setup.cordond.c_str(), setup.cordond.c_str(), "--config", d.config_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(log);
  for (int i = 0; i < 1000; ++i) {
    if (can_connect(d.socket_)) return d;
    if (auto st = wait_for(d.pid_, 0)) {
      d.pid_ = -1;
      err = "cordond exited during start (status " + std::to_string(*st) + "): " + d.log_tail();
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  err = "cordond did not accept connections within 10 s: " + d.log_tail();
  return std::nullopt;
}

BenchDaemon::BenchDaemon(BenchDaemon&& o) noexcept
    : dir_(std::move(o.dir_)), socket_(std::move(o.socket_)), config_(std::move(o.config_)), pid_(o.pid_) {
  o.pid_ = -1;
  o.dir_.clear();
}

BenchDaemon& BenchDaemon::operator=(BenchDaemon&& o) noexcept {
  if (this != &o) {
    release();
    dir_ = std::move(o.dir_);
    socket_ = std::move(o.socket_);
    config_ = std::move(o.config_);
    pid_ = o.pid_;
    o.pid_ = -1;
    o.dir_.clear();
  }
  return *this;
}

BenchDaemon::~BenchDaemon() { release(); }

void BenchDaemon::release() {
  (void)stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string BenchDaemon::log_tail(std::size_t bytes) const {
  std::string s = read_small_file(dir_ + "/cordond.log").value_or("(no log)");
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::string BenchDaemon::stop() {
  if (pid_ <= 0) return "";
  pid_t pid = pid_;
  pid_ = -1;
  kill(pid, SIGTERM);
  auto st = wait_for(pid, 10000);
  if (!st) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return "cordond did not exit within 10 s of SIGTERM";
  }
  if (WIFEXITED(*st) && WEXITSTATUS(*st) == 0) return "";
  return "cordond ended with status " + std::to_string(*st);
}

}  // namespace cordon::bench
