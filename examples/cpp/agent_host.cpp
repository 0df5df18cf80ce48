// What an agent host does with cordond, in C++ with the cordon_client
// library (launcher/client/client.h):
//
//   cordon_example_client [--socket PATH] [--workspace DIR]
//
// 1. connects and lists the tools this user may run, as a model sees them;
// 2. calls search_code with structured arguments, if this user may;
// 3. runs sh with raw argv and streams its output as it is written;
// 4. shows how errors come back: a refused request is an {"ok": false}
//    response with an error code; a tool that fails is a result whose
//    outcome says so.
//
// Each step prints "<step>: ok" or "<step>: FAILED ..."; the exit status is 0
// only when every step behaved as described.
#include <cstring>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/client.h"

namespace {

using json = nlohmann::json;

struct Args {
  std::string socket = cordon::client::default_socket_path();
  std::optional<std::string> workspace;
};

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if ((flag == "--socket" || flag == "--workspace") && i + 1 < argc) {
      (flag == "--socket" ? a.socket : a.workspace.emplace()) = argv[++i];
    } else {
      std::cerr << "usage: " << argv[0] << " [--socket PATH] [--workspace DIR]\n";
      return std::nullopt;
    }
  }
  return a;
}

class Demo {
 public:
  Demo(cordon::client::Connection conn, Args args) : conn_(std::move(conn)), args_(std::move(args)) {}

  int run() {
    auto health = request({{"op", "health"}});
    check("health", health && health->value("status", "") == "ok", health ? health->dump() : error_);

    std::set<std::string> names = list_tools();
    check("tools", names.count("sh") == 1, "sh is not offered");

    if (names.count("search_code")) {
      search();
    } else {
      std::cout << "search_code: skipped (not offered to this user)\n";
    }
    stream();
    errors(names.count("search_code") == 1);

    std::cout << (failures_ == 0 ? "all steps ok" : std::to_string(failures_) + " steps failed") << std::endl;
    return failures_ == 0 ? 0 : 1;
  }

 private:
  // The response with "ok" (true or false); nullopt when the connection failed.
  std::optional<json> request(json req, const cordon::client::EventCallback& on_event = {}) {
    auto resp = conn_.request(std::move(req), error_, on_event, 120'000);
    return resp;
  }

  json run_request(const std::string& tool) const {
    json req = {{"op", "run"}, {"tool", tool}};
    if (args_.workspace) req["workspace"] = *args_.workspace;
    return req;
  }

  void check(const std::string& step, bool ok, const std::string& detail) {
    std::cout << step << ": " << (ok ? "ok" : "FAILED " + detail) << std::endl;
    if (!ok) ++failures_;
  }

  static std::string error_code(const json& resp) { return resp.value("error", json::object()).value("code", ""); }

  static const json& result_of(const json& resp) {
    static const json empty = json::object();
    auto it = resp.find("result");
    return it != resp.end() && it->is_object() ? *it : empty;
  }

  // 1. The tools, as a model sees them.
  std::set<std::string> list_tools() {
    std::set<std::string> names;
    auto resp = request({{"op", "tools"}});
    if (!resp || !resp->value("ok", false)) return names;
    for (const auto& t : resp->value("tools", json::array())) {
      names.insert(t.value("name", ""));
      if (t.contains("definition")) {
        const json& d = t["definition"];
        names.insert(d.value("name", ""));
        std::cout << "  tool " << d.value("name", "") << " "
                  << d.value("parameters", json::object()).value("properties", json::object()).dump() << "\n";
      } else {
        std::cout << "  tool " << t.value("name", "") << " (argv): " << t.value("description", "") << "\n";
      }
    }
    return names;
  }

  // 2. A model's tool call: structured arguments, validated by the daemon.
  void search() {
    json req = run_request("search_code");
    req["arguments"] = {{"pattern", "TODO"}, {"ignore_case", true}};
    auto resp = request(req);
    if (!resp || !resp->value("ok", false)) return check("search_code", false, resp ? resp->dump() : error_);
    const json& result = result_of(*resp);
    std::string out = result.value("stdout", json::object()).value("data", "");
    std::cout << out;
    check("search_code", result.value("outcome", "") == "ok" && out.find("TODO") != std::string::npos,
          result.value("outcome", "") + ": " + result.value("detail", ""));
  }

  // 3. Raw argv, output streamed while the tool runs.
  void stream() {
    json req = run_request("sh");
    req["argv"] = {"sh", "-c", "for i in 1 2 3; do echo line $i; done; echo note >&2"};
    req["stream"] = true;
    std::string streamed;
    auto resp = request(req, [&](const json& ev) {
      if (ev.value("event", "") != "output") return;
      std::string data = ev.value("data", "");
      std::cout << "  [" << ev.value("stream", "") << "] " << data << std::flush;
      if (ev.value("stream", "") == "stdout") streamed += data;
    });
    if (!resp || !resp->value("ok", false)) return check("stream", false, resp ? resp->dump() : error_);
    const json& result = result_of(*resp);
    check("stream", result.value("outcome", "") == "ok" && streamed == "line 1\nline 2\nline 3\n",
          result.value("outcome", "") + ", streamed '" + streamed + "'");
  }

  // 4. Errors: a refused request is ok: false with a code; a failing tool is a result.
  void errors(bool has_search) {
    auto resp = request({{"op", "run"}, {"tool", "no-such-tool"}, {"argv", {"x"}}});
    check("unknown tool", resp && !resp->value("ok", true) && error_code(*resp) == "unknown_tool",
          resp ? resp->dump() : error_);
    if (has_search) {
      json req = run_request("search_code");
      req["arguments"] = {{"pattern", 42}};
      resp = request(req);
      if (resp) std::cout << "  refused: " << resp->value("error", json::object()).value("message", "") << "\n";
      check("bad arguments", resp && error_code(*resp) == "invalid_request", resp ? resp->dump() : error_);
    }
    json req = run_request("sh");
    req["argv"] = {"sh", "-c", "echo oops >&2; exit 3"};
    resp = request(req);
    const json& result = resp ? result_of(*resp) : json::object();
    check("tool failure",
          result.value("outcome", "") == "exit_nonzero" && result.value("exit_code", json()) == 3 &&
              result.value("stderr", json::object()).value("data", "") == "oops\n",
          resp ? resp->dump() : error_);
  }

  cordon::client::Connection conn_;
  Args args_;
  std::string error_;
  int failures_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) return 2;
  std::string err;
  auto conn = cordon::client::Connection::open(args->socket, err);
  if (!conn) {
    std::cout << "connect: FAILED " << err << std::endl;
    return 1;
  }
  return Demo(std::move(*conn), *args).run();
}
