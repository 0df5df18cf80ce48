// The cordond client library against small fake servers: a socketpair or a
// listening Unix socket, with a thread that answers with canned lines.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"

namespace cordon::client {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// Reads one '\n'-terminated line byte by byte ("" at end of stream).
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

// The server end of a socketpair, run by a thread; joined and closed at the
// end of the test.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(int)> script) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    client_fd_ = sv[0];
    server_fd_ = sv[1];
    thread_ = std::thread([fd = server_fd_, script = std::move(script)] { script(fd); });
  }
  ~FakeServer() { stop(); }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // The client end; the Connection owns it from here.
  Connection connection() { return Connection(client_fd_); }

  // Waits for the script and closes the server end (the client sees EOF).
  void stop() {
    if (thread_.joinable()) thread_.join();
    if (server_fd_ >= 0) ::close(server_fd_);
    server_fd_ = -1;
  }

 private:
  int client_fd_ = -1;
  int server_fd_ = -1;
  std::thread thread_;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cordon-client-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---------------------------------------------------------------- connect

TEST(ClientConnect, MissingSocketNamesThePath) {
  TempDir dir;
  std::string path = dir.path() + "/nobody-listens.sock";
  std::string err;
  auto conn = Connection::open(path, err);
  EXPECT_FALSE(conn.has_value());
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
}

TEST(ClientConnect, TooLongPathIsAnError) {
  std::string path = "/tmp/" + std::string(200, 'x');
  std::string err;
  EXPECT_FALSE(Connection::open(path, err).has_value());
  EXPECT_NE(err.find("longer than"), std::string::npos) << err;
  EXPECT_FALSE(Connection::open("", err).has_value());
  EXPECT_NE(err.find("empty"), std::string::npos) << err;
}

TEST(ClientConnect, RequestOverAListeningSocket) {
  TempDir dir;
  std::string path = dir.path() + "/cordond.sock";
  int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  std::thread server([lfd] {
    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    json req = json::parse(read_line(fd));
    write_all(fd, json{{"id", req["id"]}, {"ok", true}, {"status", "ok"}, {"op_seen", req["op"]}}.dump() + "\n");
    ::close(fd);
  });

  std::string err;
  auto conn = Connection::open(path, err);
  ASSERT_TRUE(conn.has_value()) << err;
  auto resp = conn->request({{"op", "health"}}, err, {}, 5000);
  server.join();
  ::close(lfd);
  ASSERT_TRUE(resp.has_value()) << err;
  EXPECT_EQ((*resp)["status"], "ok");
  EXPECT_EQ((*resp)["op_seen"], "health");
}

TEST(ClientConnect, DefaultSocketPathFollowsTheEnvironment) {
  const char* old = std::getenv("CORDON_SOCKET");
  std::string saved = old ? old : "";
  ::setenv("CORDON_SOCKET", "/tmp/x/cordond.sock", 1);
  EXPECT_EQ(default_socket_path(), "/tmp/x/cordond.sock");
  ::setenv("CORDON_SOCKET", "", 1);
  EXPECT_EQ(default_socket_path(), "/run/cordon/cordond.sock");
  ::unsetenv("CORDON_SOCKET");
  EXPECT_EQ(default_socket_path(), "/run/cordon/cordond.sock");
  if (old) ::setenv("CORDON_SOCKET", saved.c_str(), 1);
}

// ---------------------------------------------------------------- request

TEST(ClientRequest, MatchesIdAndPassesEventsToTheCallback) {
  FakeServer server([](int fd) {
    json req = json::parse(read_line(fd));
    json id = req["id"];
    write_all(fd, R"({"id":"someone-else","ok":true,"stale":true})" "\n");
    write_all(fd, json{{"id", id}, {"event", "started"}, {"call_id", "c-1"}}.dump() + "\n");
    write_all(fd, R"({"id":999,"event":"output","stream":"stdout","data":"not yours"})" "\n");
    write_all(fd, json{{"id", id}, {"event", "output"}, {"stream", "stdout"}, {"data", "hi\n"}}.dump() + "\n");
    write_all(fd, json{{"id", id}, {"ok", true}, {"call_id", "c-1"}, {"echo", req}}.dump() + "\n");
  });
  Connection conn = server.connection();
  std::vector<json> events;
  std::string err;
  auto resp = conn.request({{"op", "run"}, {"tool", "sh"}, {"argv", {"sh"}}, {"id", "ignored"}}, err,
                           [&](const json& ev) { events.push_back(ev); });
  ASSERT_TRUE(resp.has_value()) << err;
  EXPECT_EQ((*resp)["ok"], true);
  EXPECT_FALSE(resp->contains("stale"));
  EXPECT_TRUE((*resp)["echo"]["id"].is_number_integer());  // the client's own id, not the caller's
  EXPECT_EQ((*resp)["echo"]["op"], "run");
  EXPECT_EQ((*resp)["echo"]["argv"], json::array({"sh"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["event"], "started");
  EXPECT_EQ(events[1]["data"], "hi\n");
}

TEST(ClientRequest, EachRequestGetsAFreshId) {
  FakeServer server([](int fd) {
    for (int i = 0; i < 3; ++i) {
      json req = json::parse(read_line(fd));
      write_all(fd, json{{"id", req["id"]}, {"ok", true}}.dump() + "\n");
    }
  });
  Connection conn = server.connection();
  std::vector<json> ids;
  for (int i = 0; i < 3; ++i) {
    std::string err;
    auto resp = conn.request({{"op", "ps"}}, err, {}, 5000);
    ASSERT_TRUE(resp.has_value()) << err;
    ids.push_back((*resp)["id"]);
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_NE(ids[0], ids[2]);
}

TEST(ClientRequest, ErrorWithNullIdIsTheAnswer) {
  FakeServer server([](int fd) {
    read_line(fd);
    write_all(fd, R"({"id":null,"ok":false,"error":{"code":"bad_json","message":"x"}})" "\n");
  });
  Connection conn = server.connection();
  std::string err;
  auto resp = conn.request({{"op", "ps"}}, err, {}, 5000);
  ASSERT_TRUE(resp.has_value()) << err;
  EXPECT_EQ((*resp)["error"]["code"], "bad_json");
}

TEST(ClientRequest, ServerClosingBeforeTheAnswerIsAnError) {
  FakeServer server([](int fd) {
    read_line(fd);
    write_all(fd, R"({"id":1,"event":"started"})" "\n");
    ::shutdown(fd, SHUT_RDWR);
  });
  Connection conn = server.connection();
  std::string err;
  auto resp = conn.request({{"op", "run"}}, err, {}, 5000);
  EXPECT_FALSE(resp.has_value());
  EXPECT_NE(err.find("closed"), std::string::npos) << err;
  EXPECT_TRUE(conn.broken());
}

TEST(ClientRequest, GarbledAnswerIsAnError) {
  FakeServer server([](int fd) {
    read_line(fd);
    write_all(fd, "{\"id\":1,\"ok\":tru\n");
  });
  Connection conn = server.connection();
  std::string err;
  EXPECT_FALSE(conn.request({{"op", "ps"}}, err, {}, 5000).has_value());
  EXPECT_NE(err.find("not JSON"), std::string::npos) << err;
}

TEST(ClientRequest, TimesOutWhenNoAnswerComes) {
  FakeServer server([](int fd) {
    read_line(fd);
    // An event for the call, but never the answer.
    write_all(fd, R"({"id":1,"event":"started"})" "\n");
    read_line(fd);  // until the client goes away
  });
  Connection conn = server.connection();
  std::string err;
  int events = 0;
  auto start = std::chrono::steady_clock::now();
  auto resp = conn.request({{"op", "ps"}}, err, [&](const json&) { ++events; }, 200);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(resp.has_value());
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
  EXPECT_EQ(events, 1);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 5s);
  ::shutdown(conn.fd(), SHUT_RDWR);
}

TEST(ClientRequest, AnswerSentBeforeTheDaemonHangsUpIsKept) {
  // The daemon reads part of an oversized request, answers too_large and
  // closes: the send fails, but the answer is still there to read.
  FakeServer server([](int fd) {
    char buf[4096];
    std::size_t got = 0;
    while (got < (1u << 20)) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    write_all(fd, R"({"id":null,"ok":false,"error":{"code":"too_large","message":"line too long"}})" "\n");
    ::shutdown(fd, SHUT_RDWR);
  });
  Connection conn = server.connection();
  std::string err;
  auto resp = conn.request({{"op", "run"}, {"stdin", std::string(8u << 20, 'a')}}, err, {}, 5000);
  server.stop();
  ASSERT_TRUE(resp.has_value()) << err;
  EXPECT_EQ((*resp)["error"]["code"], "too_large");
}

TEST(ClientRequest, NonObjectRequestIsRefused) {
  FakeServer server([](int) {});
  Connection conn = server.connection();
  std::string err;
  EXPECT_FALSE(conn.request(json::array({1, 2}), err).has_value());
  EXPECT_FALSE(err.empty());
}

// ---------------------------------------------------------------- receive

TEST(ClientReceive, LinesSplitAcrossWritesAndJoinedInOne) {
  FakeServer server([](int fd) {
    write_all(fd, "{\"id\":1,");
    std::this_thread::sleep_for(30ms);
    write_all(fd, "\"ok\":");
    std::this_thread::sleep_for(30ms);
    write_all(fd, "true}\n{\"id\":2,\"ok\":true}\n{\"id\":3,");
    std::this_thread::sleep_for(30ms);
    write_all(fd, "\"ok\":false}\n");
  });
  Connection conn = server.connection();
  std::string err;
  for (int want = 1; want <= 3; ++want) {
    auto line = conn.receive(5000, err);
    ASSERT_TRUE(line.has_value()) << err;
    EXPECT_EQ((*line)["id"], want);
  }
  server.stop();
  EXPECT_EQ(conn.receive(5000, err), std::nullopt);  // then end of stream
  EXPECT_NE(err.find("closed the connection"), std::string::npos) << err;
}

TEST(ClientReceive, LargeLineInManyChunks) {
  std::string data(3u << 20, 'z');
  FakeServer server([&data](int fd) { write_all(fd, json{{"id", 1}, {"ok", true}, {"data", data}}.dump() + "\n"); });
  Connection conn = server.connection();
  std::string err;
  auto line = conn.receive(10000, err);
  ASSERT_TRUE(line.has_value()) << err;
  EXPECT_EQ((*line)["data"].get<std::string>().size(), data.size());
}

TEST(ClientReceive, OversizedLineBreaksTheConnection) {
  FakeServer server([](int fd) { write_all(fd, R"({"id":1,"ok":true,"data":")" + std::string(5000, 'x') + "\"}\n"); });
  Connection conn = server.connection();
  conn.set_max_line_bytes(1024);
  std::string err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("longer than 1024"), std::string::npos) << err;
  EXPECT_TRUE(conn.broken());
  std::string again;
  EXPECT_FALSE(conn.receive(0, again).has_value());
  EXPECT_EQ(again, err);
}

TEST(ClientReceive, OversizedLineWithoutNewlineIsCaughtEarly) {
  FakeServer server([](int fd) {
    write_all(fd, std::string(4096, 'x'));  // no newline, and the server stays
    read_line(fd);
  });
  Connection conn = server.connection();
  conn.set_max_line_bytes(1024);
  std::string err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("longer than"), std::string::npos) << err;
  ::shutdown(conn.fd(), SHUT_RDWR);
}

TEST(ClientReceive, LineOfExactlyTheMaximumIsAccepted) {
  std::string line = R"({"id":1,"ok":true,"d":")";
  line += std::string(100 - line.size() - 2, 'y') + "\"}";
  ASSERT_EQ(line.size(), 100u);
  FakeServer server([line](int fd) { write_all(fd, line + "\n"); });
  Connection conn = server.connection();
  conn.set_max_line_bytes(100);
  std::string err;
  EXPECT_TRUE(conn.receive(5000, err).has_value()) << err;
}

TEST(ClientReceive, GarbledAndNonObjectLinesAreErrorsButTheStreamGoesOn) {
  FakeServer server([](int fd) {
    write_all(fd, "this is not json\n[1,2,3]\n\n{\"id\":7,\"ok\":true}\n");
  });
  Connection conn = server.connection();
  std::string err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("not JSON"), std::string::npos) << err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("not an object"), std::string::npos) << err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());  // an empty line
  auto line = conn.receive(5000, err);
  ASSERT_TRUE(line.has_value()) << err;
  EXPECT_EQ((*line)["id"], 7);
  EXPECT_FALSE(conn.broken());
}

TEST(ClientReceive, InvalidUtf8IsAnError) {
  FakeServer server([](int fd) { write_all(fd, "{\"id\":1,\"ok\":true,\"d\":\"\xff\"}\n"); });
  Connection conn = server.connection();
  std::string err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("not JSON"), std::string::npos) << err;
}

TEST(ClientReceive, ClosingMidLineIsAnError) {
  FakeServer server([](int fd) { write_all(fd, "{\"id\":1,\"ok\":"); });
  Connection conn = server.connection();
  server.stop();
  std::string err;
  EXPECT_FALSE(conn.receive(5000, err).has_value());
  EXPECT_NE(err.find("middle of a line"), std::string::npos) << err;
  EXPECT_TRUE(conn.broken());
}

TEST(ClientReceive, TimeoutLeavesTheConnectionUsable) {
  FakeServer server([](int fd) {
    std::this_thread::sleep_for(300ms);
    write_all(fd, R"({"id":1,"ok":true})" "\n");
  });
  Connection conn = server.connection();
  std::string err;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(conn.receive(100, err).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 95ms);
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
  EXPECT_FALSE(conn.broken());
  EXPECT_FALSE(conn.receive(0, err).has_value());  // nothing there yet
  auto line = conn.receive(5000, err);
  ASSERT_TRUE(line.has_value()) << err;
  EXPECT_EQ((*line)["ok"], true);
}

// ---------------------------------------------------------------- send

TEST(ClientSend, InvalidUtf8IsRefusedBeforeSending) {
  FakeServer server([](int fd) {
    EXPECT_EQ(read_line(fd), "");  // nothing arrives before the client closes
  });
  {
    Connection conn = server.connection();
    std::string err;
    EXPECT_FALSE(conn.send({{"op", "run"}, {"stdin", "\xff\xfe"}}, err));
    EXPECT_NE(err.find("encode"), std::string::npos) << err;
  }
}

TEST(ClientSend, PeerGoneIsAnErrorNotSigpipe) {
  FakeServer server([](int) {});
  Connection conn = server.connection();
  server.stop();
  std::string err;
  EXPECT_FALSE(conn.send({{"op", "ps"}}, err));
  EXPECT_NE(err.find("cannot send"), std::string::npos) << err;
  std::string again;
  EXPECT_FALSE(conn.send({{"op", "ps"}}, again));
  EXPECT_EQ(again, err);
}

TEST(ClientConnection, MovesKeepTheBufferedLines) {
  FakeServer server([](int fd) { write_all(fd, "{\"id\":1,\"ok\":true}\n{\"id\":2,\"ok\":true}\n"); });
  Connection first = server.connection();
  std::string err;
  ASSERT_TRUE(first.receive(5000, err).has_value()) << err;
  Connection second = std::move(first);
  auto line = second.receive(0, err);
  ASSERT_TRUE(line.has_value()) << err;
  EXPECT_EQ((*line)["id"], 2);
}

}  // namespace
}  // namespace cordon::client
