// cordond under socket activation (LISTEN_PID / LISTEN_FDS, fd 3): it serves
// the socket it is handed, leaves that socket's file alone, refuses a socket
// of the wrong kind, and ignores variables meant for another process.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sandbox_fixture.h"

#ifndef CORDOND_BIN
#define CORDOND_BIN ""
#endif

namespace cordon::test {
namespace {

using nlohmann::json;
constexpr int kWaitMs = 30'000;

// A socket bound to `path`; listening if `listen_now`.
int make_socket(const std::string& path, int type, bool listen_now) {
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  if (listen_now && listen(fd, 16) != 0) return -1;
  return fd;
}

std::optional<json> health(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::string req = "{\"id\":1,\"op\":\"health\"}\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return std::nullopt;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line += c;
  close(fd);
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

class SocketActivationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "cordond tests run as root";
    std::filesystem::create_directories(dir_.path() + "/profiles");
    std::filesystem::copy_file(profiles_dir() + "/sh.json", dir_.path() + "/profiles/sh.json");
    std::ofstream(dir_.path() + "/policy.json") << R"({"admins": {"uids": [0]}})";
    json config = {{"socket", configured()},
                   {"profile_dirs", {dir_.path() + "/profiles"}},
                   {"policy", dir_.path() + "/policy.json"},
                   {"shutdown_grace_ms", 200}};
    std::ofstream(dir_.path() + "/cordond.json") << config.dump();
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  std::string configured() const { return dir_.path() + "/configured.sock"; }
  std::string activated() const { return dir_.path() + "/activated.sock"; }
  std::string log() const {
    std::ifstream in(dir_.path() + "/cordond.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Starts cordond with `fd` as fd 3 and LISTEN_FDS=fds; LISTEN_PID is the
  // daemon's own pid, or `other_pid` when given.
  void start(int fd, const std::string& fds = "1", pid_t other_pid = 0) {
    std::string bin = std::getenv("CORDON_TEST_DAEMON") ? std::getenv("CORDON_TEST_DAEMON") : CORDOND_BIN;
    std::string cfg = dir_.path() + "/cordond.json", logpath = dir_.path() + "/cordond.log";
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int logfd = open(logpath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      dup2(logfd, 1);
      dup2(logfd, 2);
      if (fd >= 0 && fd != 3 && dup2(fd, 3) != 3) _exit(126);  // dup2 clears close-on-exec
      if (fd == 3) fcntl(3, F_SETFD, 0);
      std::string pid = std::to_string(other_pid ? other_pid : getpid());
      setenv("LISTEN_PID", pid.c_str(), 1);
      setenv("LISTEN_FDS", fds.c_str(), 1);
      execl(bin.c_str(), bin.c_str(), "--config", cfg.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    if (fd >= 0) close(fd);
  }

  std::optional<json> wait_health(const std::string& path) {
    for (int i = 0; i < kWaitMs / 20; ++i) {
      if (auto h = health(path)) return h;
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // The daemon's wait status once it exits, or -1 after kWaitMs.
  int wait_exit() {
    for (int i = 0; i < kWaitMs / 10; ++i) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return st;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  TempDir dir_;
  pid_t pid_ = -1;
};

TEST_F(SocketActivationTest, ServesThePassedSocketAndLeavesItsFileAlone) {
  int fd = make_socket(activated(), SOCK_STREAM, true);
  ASSERT_GE(fd, 0);
  start(fd);
  auto h = wait_health(activated());
  ASSERT_TRUE(h) << log();
  EXPECT_EQ((*h)["status"], "ok");
  EXPECT_FALSE(std::filesystem::exists(configured())) << "bound its own socket too";
  EXPECT_NE(log().find("socket activation"), std::string::npos) << log();

  kill(pid_, SIGTERM);
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st << "\n" << log();
  EXPECT_TRUE(std::filesystem::is_socket(activated())) << "the daemon unlinked a socket it did not create";
}

TEST_F(SocketActivationTest, RefusesADatagramSocket) {
  int fd = make_socket(activated(), SOCK_DGRAM, false);
  ASSERT_GE(fd, 0);
  start(fd);
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << "\n" << log();
  EXPECT_NE(log().find("not a SOCK_STREAM socket"), std::string::npos) << log();
}

TEST_F(SocketActivationTest, RefusesASocketThatIsNotListening) {
  int fd = make_socket(activated(), SOCK_STREAM, false);
  ASSERT_GE(fd, 0);
  start(fd);
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << "\n" << log();
  EXPECT_NE(log().find("not listening"), std::string::npos) << log();
}

TEST_F(SocketActivationTest, RefusesAFileThatIsNotASocket) {
  int fd = open((dir_.path() + "/cordond.json").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  start(fd);
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << "\n" << log();
  EXPECT_NE(log().find("not a socket"), std::string::npos) << log();
}

TEST_F(SocketActivationTest, RefusesMoreThanOneSocket) {
  int fd = make_socket(activated(), SOCK_STREAM, true);
  ASSERT_GE(fd, 0);
  start(fd, "2");
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << st << "\n" << log();
  EXPECT_NE(log().find("exactly one socket"), std::string::npos) << log();
}

TEST_F(SocketActivationTest, IgnoresVariablesMeantForAnotherProcess) {
  int fd = make_socket(activated(), SOCK_STREAM, true);
  ASSERT_GE(fd, 0);
  start(fd, "1", /*other_pid=*/1);
  auto h = wait_health(configured());
  ASSERT_TRUE(h) << log();
  EXPECT_EQ((*h)["status"], "ok");
  EXPECT_EQ(log().find("socket activation"), std::string::npos) << log();
  kill(pid_, SIGTERM);
  int st = wait_exit();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << log();
  EXPECT_FALSE(std::filesystem::exists(configured())) << "the daemon left the socket it bound";
}

}  // namespace
}  // namespace cordon::test
