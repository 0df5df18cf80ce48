// `cordon mcp` driven by a scripted MCP client session over its stdio,
// forwarding to a real cordond: handshake and version negotiation,
// tools/list and tools/call (structured and raw arguments), structured
// results, every JSON-RPC error class, notifications, cancellation,
// progress, concurrency, the caller's identity and end of input.
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "child_process.h"
#include "daemon_fixture.h"
#include "daemon_wait.h"

namespace cordon::test {
namespace {

using nlohmann::json;

constexpr int kReplyMs = 60'000;  // bound for one answer (a call runs in a sandbox)

std::vector<std::string> bridge_env() { return {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}; }

class McpSession {
 public:
  McpSession(uid_t uid, const std::string& socket, const std::string& log, std::vector<std::string> extra = {})
      : proc_(uid, argv_for(socket, std::move(extra)), bridge_env(), log) {}

  bool started() const { return proc_.started(); }
  ChildProcess& proc() { return proc_; }

  void send(const json& msg) { ASSERT_TRUE(proc_.write_line(msg.dump())); }
  void send_raw(const std::string& line) { ASSERT_TRUE(proc_.write_line(line)); }

  // The next message the bridge writes (each must be one JSON object).
  std::optional<json> next(int timeout_ms = kReplyMs) {
    if (!queued_.empty()) {
      json j = queued_.front();
      queued_.erase(queued_.begin());
      return j;
    }
    return read_one(timeout_ms);
  }

  // The response to `id`; other messages are kept (notifications in seen()).
  std::optional<json> response(const json& id, int timeout_ms = kReplyMs) {
    for (auto it = queued_.begin(); it != queued_.end(); ++it)
      if (it->contains("id") && (*it)["id"] == id) {
        json j = *it;
        queued_.erase(it);
        return j;
      }
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) return std::nullopt;
      auto j = read_one(static_cast<int>(left));
      if (!j) return std::nullopt;
      if (j->contains("id") && (*j)["id"] == id) return j;
      queued_.push_back(*j);
    }
  }

  std::optional<json> request(const json& id, const std::string& method, json params = nullptr) {
    json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) msg["params"] = std::move(params);
    if (!proc_.write_line(msg.dump())) return std::nullopt;
    return response(id);
  }

  std::optional<json> initialize(const std::string& version = "2025-06-18") {
    auto r = request(0, "initialize",
                     {{"protocolVersion", version},
                      {"capabilities", json::object()},
                      {"clientInfo", {{"name", "cordon-test"}, {"version", "1"}}}});
    if (r) send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    return r;
  }

  std::optional<json> call(const json& id, const std::string& tool, json arguments, json meta = nullptr) {
    json params = {{"name", tool}, {"arguments", std::move(arguments)}};
    if (!meta.is_null()) params["_meta"] = std::move(meta);
    return request(id, "tools/call", std::move(params));
  }

  const std::vector<json>& queued() const { return queued_; }

 private:
  static std::vector<std::string> argv_for(const std::string& socket, std::vector<std::string> extra) {
    std::vector<std::string> argv = {cordon_bin(), "mcp", "--socket", socket};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  std::optional<json> read_one(int timeout_ms) {
    auto line = proc_.read_line(timeout_ms);
    if (!line) return std::nullopt;
    json j = json::parse(*line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object on stdout: " << *line;
    EXPECT_EQ(j.value("jsonrpc", ""), "2.0") << *line;
    if (!j.is_object()) return std::nullopt;
    return j;
  }

  ChildProcess proc_;
  std::vector<json> queued_;
};

int error_code(const std::optional<json>& r) {
  if (!r || !r->contains("error")) return 0;
  return (*r)["error"].value("code", 0);
}

std::set<std::string> tool_names(const json& list_result) {
  std::set<std::string> names;
  for (const auto& t : list_result["result"]["tools"]) names.insert(t["name"].get<std::string>());
  return names;
}

std::string all_text(const json& call_result) {
  std::string text;
  for (const auto& c : call_result["content"]) text += c.value("text", "") + "\n";
  return text;
}

class McpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "cordond tests run as root";
    ASSERT_TRUE(wait_until_serving(daemon_)) << daemon_.log();
    std::string project = daemon_.alice_root() + "/project";
    std::ofstream(project + "/notes.txt") << "first line\nthe needle is here\n";
    chown((project + "/notes.txt").c_str(), kAlice, kAlice);
  }

  std::string log_path(const std::string& name) const { return daemon_.dir() + "/" + name + ".stderr"; }
  std::string log_of(const std::string& name) const {
    std::ifstream in(log_path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // An initialized session as `uid` in alice's project workspace.
  std::unique_ptr<McpSession> session(uid_t uid = kAlice, const std::string& name = "mcp") {
    auto s = std::make_unique<McpSession>(uid, daemon_.socket(), log_path(name),
                                          std::vector<std::string>{"--workspace", "project"});
    EXPECT_TRUE(s->started());
    auto init = s->initialize();
    EXPECT_TRUE(init && init->contains("result")) << log_of(name);
    return s;
  }

  Daemon daemon_;
};

TEST_F(McpTest, HandshakeAnswersWithTheVersionAndTheToolsCapability) {
  McpSession s(kAlice, daemon_.socket(), log_path("hs"));
  auto init = s.request(1, "initialize",
                        {{"protocolVersion", "2025-06-18"},
                         {"capabilities", json::object()},
                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  ASSERT_TRUE(init) << log_of("hs");
  const json& r = (*init)["result"];
  EXPECT_EQ(r["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(r["capabilities"].contains("tools"));
  EXPECT_EQ(r["serverInfo"]["name"], "cordon");
  EXPECT_FALSE(r["serverInfo"].value("version", "").empty());

  // A notification gets no answer: the next line is the ping's.
  s.send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  s.send({{"jsonrpc", "2.0"}, {"method", "notifications/something_else"}, {"params", {{"x", 1}}}});
  s.send({{"jsonrpc", "2.0"}, {"id", 99}, {"result", json::object()}});  // a client's response: ignored
  s.send({{"jsonrpc", "2.0"}, {"id", "p"}, {"method", "ping"}});
  auto pong = s.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ((*pong)["id"], "p");
  EXPECT_EQ((*pong)["result"], json::object());

  EXPECT_EQ(error_code(s.request(2, "initialize", {{"protocolVersion", "2025-06-18"}})), -32600);
}

TEST_F(McpTest, OlderClientsGetTheirVersionAndUnknownVersionsGetOurs) {
  McpSession old(kAlice, daemon_.socket(), log_path("old"));
  auto r = old.initialize("2024-11-05");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["result"]["protocolVersion"], "2024-11-05");
  McpSession other(kAlice, daemon_.socket(), log_path("other"));
  r = other.initialize("1999-01-01");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["result"]["protocolVersion"], "2025-06-18");
}

TEST_F(McpTest, ToolsListOffersDefinitionsAndArgvTools) {
  auto s = session();
  auto list = s->request(2, "tools/list");
  ASSERT_TRUE(list && list->contains("result")) << (list ? list->dump() : log_of("mcp"));
  // Every tool the daemon offers alice, under its definition's name if it has one.
  Client direct = daemon_.connect_as(kAlice);
  auto tools = direct.call({{"op", "tools"}});
  ASSERT_TRUE(tools && (*tools)["ok"] == true);
  std::set<std::string> expected;
  for (const auto& t : (*tools)["tools"])
    expected.insert(t.contains("definition") ? t["definition"]["name"] : t["name"]);
  EXPECT_EQ(tool_names(*list), expected);
  for (const char* name : {"git_inspect", "search_code", "sh"}) EXPECT_EQ(expected.count(name), 1u) << name;
  EXPECT_EQ(expected.count("rg"), 0u);  // offered as search_code

  std::ifstream rg(profiles_dir() + "/rg.json");
  json rg_profile = json::parse(rg, nullptr, true, /*ignore_comments=*/true);
  for (const auto& t : (*list)["result"]["tools"]) {
    EXPECT_TRUE(t["inputSchema"].is_object()) << t.dump();
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t.dump();
    if (t["name"] == "search_code") {
      EXPECT_EQ(t["inputSchema"], rg_profile["tool"]["parameters"]);
      EXPECT_EQ(t["annotations"]["readOnlyHint"], true);
    }
    if (t["name"] == "sh") {
      EXPECT_EQ(t["inputSchema"]["required"], json::array({"argv"}));
      EXPECT_EQ(t["annotations"]["readOnlyHint"], false);
    }
  }
  EXPECT_EQ(error_code(s->request(3, "tools/list", {{"cursor", "x"}})), -32602);
}

TEST_F(McpTest, CallWithStructuredArgumentsReturnsOutputAndStructuredContent) {
  auto s = session();
  auto r = s->call(5, "search_code", {{"pattern", "needle"}});
  ASSERT_TRUE(r && r->contains("result")) << (r ? r->dump() : log_of("mcp"));
  const json& res = (*r)["result"];
  EXPECT_EQ(res["isError"], false) << res.dump();
  EXPECT_NE(res["content"][0]["text"].get<std::string>().find("notes.txt:2:the needle is here"), std::string::npos)
      << res.dump();
  const json& sc = res["structuredContent"];
  EXPECT_EQ(sc["outcome"], "ok");
  EXPECT_EQ(sc["exit_code"], 0);
  EXPECT_TRUE(sc["call_id"].is_string());
  // The last text block is the structured content, for older clients.
  EXPECT_EQ(json::parse(res["content"].back()["text"].get<std::string>()), sc);

  // The filter's data class and injection flags, when cordond reports them,
  // are passed through: compare with the daemon's own answer.
  Client direct = daemon_.connect_as(kAlice);
  auto d = direct.call(
      {{"op", "run"}, {"tool", "search_code"}, {"workspace", "project"}, {"arguments", {{"pattern", "needle"}}}});
  ASSERT_TRUE(d && (*d)["ok"] == true);
  const json& dres = (*d)["result"];
  EXPECT_EQ(res["content"][0]["text"], dres["stdout"]["data"]);
  if (dres.contains("filter")) {
    EXPECT_TRUE(sc["filter"].is_object());
    if (dres["filter"].contains("data_class")) {
      EXPECT_EQ(sc["data_class"], dres["filter"]["data_class"]);
    }
    if (dres["filter"].contains("injection")) {
      EXPECT_EQ(sc["injection"], dres["filter"]["injection"]);
    }
    if (dres["filter"].contains("redactions")) {
      EXPECT_EQ(sc["redactions"], dres["filter"]["redactions"]);
    }
  } else {
    EXPECT_FALSE(sc.contains("data_class"));
  }
}

TEST_F(McpTest, AFailingToolIsAResultWithIsErrorAndStdinReachesTheTool) {
  auto s = session();
  auto r = s->call("f", "sh", {{"argv", {"sh", "-c", "echo out; echo oops >&2; exit 3"}}});
  ASSERT_TRUE(r && r->contains("result")) << (r ? r->dump() : "");
  const json& res = (*r)["result"];
  EXPECT_EQ(res["isError"], true);
  EXPECT_EQ(res["structuredContent"]["outcome"], "exit_nonzero");
  EXPECT_EQ(res["structuredContent"]["exit_code"], 3);
  EXPECT_EQ(res["content"][0]["text"], "out\n");
  EXPECT_NE(all_text(res).find("[stderr]\noops"), std::string::npos) << res.dump();

  r = s->call("i", "sh", {{"argv", {"sh", "-c", "cat"}}, {"stdin", "from stdin\n"}});
  ASSERT_TRUE(r && r->contains("result"));
  EXPECT_EQ((*r)["result"]["content"][0]["text"], "from stdin\n");
}

TEST_F(McpTest, TheTimeoutOptionNarrowsEachCall) {
  McpSession s(kAlice, daemon_.socket(), log_path("timeout"), {"--workspace", "project", "--timeout", "300ms"});
  ASSERT_TRUE(s.initialize());
  auto r = s.call(1, "sh", {{"argv", {"sh", "-c", "sleep 30"}}});
  ASSERT_TRUE(r && r->contains("result")) << (r ? r->dump() : log_of("timeout"));
  EXPECT_EQ((*r)["result"]["isError"], true);
  EXPECT_EQ((*r)["result"]["structuredContent"]["outcome"], "timeout");

  ChildProcess bad(kAlice, {cordon_bin(), "mcp", "--timeout", "soon"}, bridge_env(), log_path("bad"));
  auto status = bad.wait_exit(kReplyMs);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 125);
  EXPECT_NE(log_of("bad").find("--timeout"), std::string::npos);
}

TEST_F(McpTest, BadArgumentsAreToolErrorsTheModelCanRead) {
  auto s = session();
  auto r = s->call(1, "search_code", {{"pattern", 5}});
  ASSERT_TRUE(r && r->contains("result")) << (r ? r->dump() : "");
  EXPECT_EQ((*r)["result"]["isError"], true);
  EXPECT_NE(all_text((*r)["result"]).find("pattern"), std::string::npos) << r->dump();

  r = s->call(2, "sh", {{"argv", "echo hi"}});
  ASSERT_TRUE(r && r->contains("result"));
  EXPECT_EQ((*r)["result"]["isError"], true);
  EXPECT_NE(all_text((*r)["result"]).find("argv"), std::string::npos);

  r = s->call(3, "sh", {{"argv", {"sh"}}, {"cmd", "x"}});
  ASSERT_TRUE(r && r->contains("result"));
  EXPECT_EQ((*r)["result"]["isError"], true);
  EXPECT_NE(all_text((*r)["result"]).find("cmd"), std::string::npos);

  r = s->call(4, "sh", {{"argv", {"gcc", "--version"}}});  // not one of the profile's executables
  ASSERT_TRUE(r && r->contains("result"));
  EXPECT_EQ((*r)["result"]["isError"], true);
  EXPECT_EQ((*r)["result"]["structuredContent"]["outcome"], "refused");
}

TEST_F(McpTest, ProtocolErrorsFollowJsonRpc) {
  auto s = session();
  EXPECT_EQ(error_code(s->call(1, "no_such_tool", json::object())), -32602);
  EXPECT_EQ(error_code(s->request(2, "tools/call", {{"arguments", json::object()}})), -32602);
  EXPECT_EQ(error_code(s->request(3, "tools/call", {{"name", "sh"}, {"arguments", json::array()}})), -32602);
  EXPECT_EQ(error_code(s->request(4, "tools/call")), -32602);
  EXPECT_EQ(error_code(s->request(5, "resources/list")), -32601);
  EXPECT_EQ(error_code(s->request(6, "no/such/method", json::object())), -32601);

  auto expect_error = [&](const std::string& line, int code, const json& id) {
    s->send_raw(line);
    auto r = s->next();
    ASSERT_TRUE(r) << line;
    EXPECT_EQ(error_code(r), code) << line << " -> " << r->dump();
    EXPECT_EQ((*r)["id"], id) << line;
  };
  expect_error("{not json", -32700, nullptr);
  expect_error(std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\xfe\"}"), -32700, nullptr);
  expect_error("[]", -32600, nullptr);
  expect_error("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, nullptr);
  expect_error("42", -32600, nullptr);
  expect_error(R"({"jsonrpc":"1.0","id":7,"method":"ping"})", -32600, 7);
  expect_error(R"({"id":8,"method":"ping"})", -32600, 8);
  expect_error(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", -32600, nullptr);
  expect_error(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", -32600, nullptr);
  expect_error(R"({"jsonrpc":"2.0","id":9})", -32600, 9);
  expect_error(R"({"jsonrpc":"2.0","id":10,"method":7})", -32600, 10);
  expect_error(R"({"jsonrpc":"2.0","id":11,"method":"ping","params":"x"})", -32600, 11);
  expect_error(std::string(9u << 20, 'x'), -32600, nullptr);  // longer than the bridge's line limit
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_error(
      R"({"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"sh","arguments":{"argv":)" + deep + "}}}",
      -32600, nullptr);  // refused before anything recurses over it

  // Blank lines and CRLF are fine, and the session goes on.
  s->send_raw("");
  s->send_raw("{\"jsonrpc\":\"2.0\",\"id\":\"crlf\",\"method\":\"ping\"}\r");
  auto pong = s->next();
  ASSERT_TRUE(pong);
  EXPECT_EQ((*pong)["id"], "crlf");
  EXPECT_TRUE(pong->contains("result"));
}

TEST_F(McpTest, CallsRunConcurrently) {
  auto s = session();
  // A waits for a file that B creates: a bridge that ran calls one at a
  // time would leave A waiting until the profile's wall-time limit.
  s->call("setup", "sh", {{"argv", {"sh", "-c", "rm -f /work/flag"}}});
  s->send({{"jsonrpc", "2.0"},
           {"id", "A"},
           {"method", "tools/call"},
           {"params",
            {{"name", "sh"},
             {"arguments", {{"argv", {"sh", "-c", "while [ ! -e /work/flag ]; do sleep 0.05; done; echo A"}}}}}}});
  s->send({{"jsonrpc", "2.0"},
           {"id", "B"},
           {"method", "tools/call"},
           {"params", {{"name", "sh"}, {"arguments", {{"argv", {"sh", "-c", "touch /work/flag; echo B"}}}}}}});
  auto b = s->response("B");
  auto a = s->response("A");
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*b)["result"]["structuredContent"]["outcome"], "ok") << b->dump();
  EXPECT_EQ((*a)["result"]["structuredContent"]["outcome"], "ok") << a->dump();
  EXPECT_EQ((*a)["result"]["content"][0]["text"], "A\n");
}

TEST_F(McpTest, ACancelledCallIsKilledAndGetsNoResponse) {
  auto s = session();
  s->send({{"jsonrpc", "2.0"},
           {"id", "slow"},
           {"method", "tools/call"},
           {"params", {{"name", "sh"}, {"arguments", {{"argv", {"sh", "-c", "sleep 60"}}}}}}});
  Client admin = daemon_.connect_as(0);
  auto running = [&] {
    auto r = admin.call({{"op", "ps"}});
    return r ? (*r)["calls"].size() : std::size_t{0};
  };
  bool started = false;
  for (int i = 0; i < 1000 && !started; ++i) {
    started = running() == 1;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(started) << "the call never showed up in ps";
  s->send({{"jsonrpc", "2.0"},
           {"method", "notifications/cancelled"},
           {"params", {{"requestId", "slow"}, {"reason", "test"}}}});
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    gone = running() == 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "the cancelled call is still running";
  auto pong = s->request("after", "ping");
  ASSERT_TRUE(pong);
  s->proc().close_stdin();
  std::string rest = s->proc().read_all(kReplyMs);
  for (const auto& m : s->queued()) EXPECT_NE(m.value("id", json()), "slow") << m.dump();
  EXPECT_EQ(rest.find("\"slow\""), std::string::npos) << rest;
  auto status = s->proc().wait_exit(kReplyMs);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST_F(McpTest, ProgressNotificationsCountOutputBytes) {
  auto s = session();
  auto r =
      s->call("p", "sh", {{"argv", {"sh", "-c", "echo one; echo two; echo three >&2"}}}, {{"progressToken", "tok"}});
  ASSERT_TRUE(r && r->contains("result"));
  double last = 0;
  int seen = 0;
  for (const auto& m : s->queued()) {
    if (m.value("method", "") != "notifications/progress") continue;
    EXPECT_EQ(m["params"]["progressToken"], "tok");
    double p = m["params"]["progress"].get<double>();
    EXPECT_GT(p, last);
    last = p;
    ++seen;
  }
  EXPECT_GE(seen, 1);
  EXPECT_LE(last, 14.0);  // "one\ntwo\n" + "three\n": counts, not the text
}

TEST_F(McpTest, TheDaemonSeesTheCallersOwnIdentity) {
  auto bob = session(kBob, "bob");
  auto list = bob->request(1, "tools/list");
  ASSERT_TRUE(list && list->contains("result")) << (list ? list->dump() : "");
  EXPECT_EQ(tool_names(*list), std::set<std::string>{"sh"});
  EXPECT_EQ(error_code(bob->call(2, "search_code", {{"pattern", "needle"}})), -32602);
  auto who = bob->call(3, "sh", {{"argv", {"sh", "-c", "echo $HOME"}}});
  ASSERT_TRUE(who && who->contains("result"));
  EXPECT_EQ((*who)["result"]["structuredContent"]["outcome"], "ok") << who->dump();

  auto stranger = session(kStranger, "stranger");
  auto refused = stranger->request(1, "tools/list");
  EXPECT_EQ(error_code(refused), -32000);
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["error"]["data"]["code"], "forbidden") << refused->dump();
}

TEST_F(McpTest, AnUnreachableDaemonIsAnErrorNotACrash) {
  McpSession s(kAlice, daemon_.dir() + "/no-such.sock", log_path("gone"));
  ASSERT_TRUE(s.initialize());
  auto r = s.request(1, "tools/list");
  EXPECT_EQ(error_code(r), -32000);
  ASSERT_TRUE(r);
  EXPECT_NE((*r)["error"]["message"].get<std::string>().find("no-such.sock"), std::string::npos);
  r = s.call(2, "sh", {{"argv", {"sh"}}});
  EXPECT_EQ(error_code(r), -32000);
}

TEST_F(McpTest, EndOfInputAnswersCallsInFlightThenExits) {
  auto s = session();
  s->send({{"jsonrpc", "2.0"},
           {"id", "last"},
           {"method", "tools/call"},
           {"params", {{"name", "sh"}, {"arguments", {{"argv", {"sh", "-c", "sleep 0.5; echo done"}}}}}}});
  s->proc().close_stdin();
  auto r = s->response("last");
  ASSERT_TRUE(r && r->contains("result"));
  EXPECT_EQ((*r)["result"]["content"][0]["text"], "done\n");
  auto status = s->proc().wait_exit(kReplyMs);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

}  // namespace
}  // namespace cordon::test
