#include "daemon_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#ifndef CORDOND_BIN
#define CORDOND_BIN ""
#endif

namespace cordon::test {
namespace {

std::string cordond_bin() {
  const char* v = std::getenv("CORDON_TEST_DAEMON");
  return v && *v ? v : CORDOND_BIN;
}

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

Client::~Client() { close_now(); }

void Client::close_now() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool Client::send_raw(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<nlohmann::json> Client::next(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) return std::nullopt;
      return j;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char b[65536];
    ssize_t n = recv(fd_, b, sizeof b, 0);
    if (n <= 0) return std::nullopt;
    buf_.append(b, static_cast<std::size_t>(n));
  }
}

std::optional<nlohmann::json> Client::response(const nlohmann::json& id, int timeout_ms) {
  for (auto it = unclaimed_.begin(); it != unclaimed_.end(); ++it)
    if ((*it)["id"] == id) {
      nlohmann::json j = std::move(*it);
      unclaimed_.erase(it);
      return j;
    }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    auto j = next(static_cast<int>(left));
    if (!j) return std::nullopt;
    if (j->contains("ok") && (*j)["id"] == id) return j;
    if (j->contains("ok")) unclaimed_.push_back(std::move(*j));
  }
}

std::optional<nlohmann::json> Client::call(nlohmann::json req, int timeout_ms) {
  if (!req.contains("id")) req["id"] = next_id_++;
  if (!send(req)) return std::nullopt;
  return response(req["id"], timeout_ms);
}

bool Client::closed_by_peer(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char b[4096];
      ssize_t n = recv(fd_, b, sizeof b, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN) return true;
    }
  }
  return false;
}

Daemon::Daemon(DaemonOptions o) {
  socket_ = dir_.path() + "/cordond.sock";
  std::filesystem::create_directories(profile_dir());
  for (const auto& [name, uid] : {std::pair<std::string, uid_t>{"alice", kAlice}, {"bob", kBob}}) {
    std::string root = dir_.path() + "/ws/" + name;
    std::filesystem::create_directories(root + "/project");
    chown(root.c_str(), uid, uid);
    chown((root + "/project").c_str(), uid, uid);
    chmod(root.c_str(), 0755);
  }
  chmod((dir_.path() + "/ws").c_str(), 0755);
  // Profiles: the shipped sh, and the probe from the sandbox tests.
  for (const char* shipped : {"sh.json", "rg.json", "git.json"})
    std::filesystem::copy_file(profiles_dir() + "/" + shipped, profile_dir() + "/" + shipped);
  auto probe = base_profile();
  probe["filesystem"]["workspace"] = {{"mode", "rw"}, {"target", "/work"}};
  probe["limits"]["pids"] = 2048;
  probe["limits"]["wall_time"] = "60s";
  write_file(profile_dir() + "/probe.json", probe.dump(2));
  {
    // Output above "internal" is withheld.
    auto q = base_profile();
    q["name"] = "guarded";
    q["output"] = {{"max_data_class", "internal"}};
    write_file(profile_dir() + "/guarded.json", q.dump(2));
  }
  if (o.secrets) {
    auto st = base_profile();
    st["name"] = "secret-tool";
    st["secrets"] = {{{"name", "gh_token"}, {"env", "GH_TOKEN"}}, {{"name", "db_pass"}, {"file", "/run/secrets/db_pass"}}};
    write_file(profile_dir() + "/secret-tool.json", st.dump(2));
    mkdir(secrets_dir().c_str(), 0700);
    for (const auto& [tenant, tok, db] : {std::tuple<std::string, std::string, std::string>{"alice", kAliceToken, kAliceDb},
                                          {"bob", kBobToken, kBobDb}}) {
      const std::string t = secrets_dir() + "/" + tenant;
      mkdir(t.c_str(), 0700);
      write_file(t + "/gh_token", tok + "\n");
      write_file(t + "/db_pass", db);
      chmod((t + "/gh_token").c_str(), 0600);
      chmod((t + "/db_pass").c_str(), 0400);
    }
  }
  nlohmann::json policy = {
      {"tenants",
       {{"alice",
         {{"uids", {kAlice}}, {"tools", {"sh", "probe", "rg", "git", "secret-tool", "guarded"}}, {"workspace_root", alice_root()},
          {"max_running", o.tenant_max_running}, {"max_queued", o.tenant_max_queued}}},
        {"bob",
         {{"uids", {kBob}}, {"tools", {"sh", "secret-tool"}}, {"workspace_root", bob_root()},
          {"max_running", o.tenant_max_running}, {"max_queued", o.tenant_max_queued}}}}},
      {"admins", {{"uids", {0}}}}};
  write_file(dir_.path() + "/policy.json", policy.dump(2));
  nlohmann::json config = {{"socket", socket_},
                           {"socket_mode", "0666"},
                           {"profile_dirs", {profile_dir()}},
                           {"policy", dir_.path() + "/policy.json"},
                           {"max_running", o.max_running},
                           {"max_queued", o.max_queued},
                           {"max_connections", o.max_connections},
                           {"max_line_bytes", o.max_line_bytes},
                           {"idle_timeout_ms", o.idle_timeout_ms},
                           {"shutdown_grace_ms", o.shutdown_grace_ms}};
  if (o.secrets) config["secrets_dir"] = secrets_dir();
  if (o.warm_sh > 0) config["warm_pool"] = {{"profiles", {{"sh", o.warm_sh}}}, {"max_total", 4}};
  if (o.audit) {
    std::filesystem::create_directories(dir_.path() + "/audit");
    config["audit"] = {{"path", audit_path()}, {"durability", "fsync_each"}};
  }
  write_file(dir_.path() + "/cordond.json", config.dump(2));

  std::string bin = cordond_bin();
  std::string logpath = dir_.path() + "/cordond.log";
  std::string cfg = dir_.path() + "/cordond.json";
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    int log = open(logpath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(log, 1);
    dup2(log, 2);
    if (!o.fault_marker.empty()) setenv("CORDOND_FAULT_INJECTION", o.fault_marker.c_str(), 1);
    if (o.glibc_tunables.empty()) unsetenv("GLIBC_TUNABLES");
    else setenv("GLIBC_TUNABLES", o.glibc_tunables.c_str(), 1);
    execl(bin.c_str(), bin.c_str(), "--config", cfg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 3000 && !ready_; ++i) {  // up to 30 s on a loaded machine
    int fd = connect_unix(socket_);
    if (fd >= 0) {
      close(fd);
      ready_ = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

Daemon::~Daemon() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Daemon::log() const {
  std::ifstream in(dir_.path() + "/cordond.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Daemon::wait_exit(int timeout_ms) {
  for (int i = 0; i < timeout_ms / 10; ++i) {
    int st = 0;
    pid_t p = waitpid(pid_, &st, WNOHANG);
    if (p == pid_) {
      pid_ = -1;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

Client Daemon::connect_as(uid_t uid) const {
  if (uid == geteuid()) return Client(connect_unix(socket_));
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  pid_t p = fork();
  if (p == 0) {
    close(sv[0]);
    if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) _exit(1);
    int fd = connect_unix(socket_);
    if (fd < 0) _exit(2);
    char byte = 'f';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    _exit(sendmsg(sv[1], &mh, 0) == 1 ? 0 : 3);
  }
  close(sv[1]);
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  int fd = -1;
  if (recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) == 1) {
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  }
  close(sv[0]);
  waitpid(p, nullptr, 0);
  return Client(fd);
}

}  // namespace cordon::test
