#include "cordon/mcp_command.h"

#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "client/client.h"
#include "cordon/mcp_messages.h"
#include "cordon/run_command.h"

namespace cordon::cli {
namespace {

using json = nlohmann::json;
using mcp::Message;

constexpr int kOpTimeoutMs = 30'000;  // tools, kill
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kExitUsage = 125;

// Newline-delimited lines from a fd, each at most `max` bytes.
class LineReader {
 public:
  enum class Status { Line, TooLong, End, Error };
  LineReader(int fd, std::size_t max) : fd_(fd), max_(max) {}

  Status next(std::string& line) {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        bool skipped = discarding_;
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        discarding_ = false;
        if (skipped || line.size() > max_) return Status::TooLong;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return Status::Line;
      }
      if (buf_.size() > max_) {  // keep reading to the end of the line, keep nothing
        buf_.clear();
        discarding_ = true;
      }
      if (eof_) {
        if (discarding_) {
          discarding_ = false;
          return Status::TooLong;
        }
        if (buf_.empty()) return Status::End;
        line = std::move(buf_);
        buf_.clear();
        return Status::Line;
      }
      char chunk[kReadChunk];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::Error;
      if (n == 0) eof_ = true;
      buf_.append(chunk, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    }
  }

 private:
  int fd_;
  std::size_t max_;
  std::string buf_;
  bool discarding_ = false;
  bool eof_ = false;
};

// One tools/call in flight.
struct InFlight {
  json id;
  std::mutex mu;
  int fd = -1;          // the daemon connection while the call runs
  std::string call_id;  // cordond's, from the "started" event
  bool cancelled = false;
  std::atomic<bool> done{false};
  std::thread thread;
};

// Clears InFlight::fd before the connection closes, so that a cancel never
// shuts down a reused fd number. Returns whether the call was cancelled.
class FdLease {
 public:
  FdLease(InFlight& f, int fd) : f_(f) {
    std::lock_guard lock(f_.mu);
    if (!f_.cancelled) f_.fd = fd;
  }
  ~FdLease() { release(); }
  FdLease(const FdLease&) = delete;
  FdLease& operator=(const FdLease&) = delete;
  bool release() {
    std::lock_guard lock(f_.mu);
    f_.fd = -1;
    return f_.cancelled;
  }
  bool cancelled() {
    std::lock_guard lock(f_.mu);
    return f_.cancelled;
  }

 private:
  InFlight& f_;
};

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_of(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

json daemon_error_data(const json& resp) {
  const json* e = member(resp, "error");
  return e && e->is_object() ? *e : json{{"code", "internal"}};
}

std::string daemon_error_message(const json& resp) {
  json e = daemon_error_data(resp);
  const json* m = member(e, "message");
  return "cordond: " + (m && m->is_string() ? m->get<std::string>() : std::string("the request was refused"));
}

bool is_ok(const json& resp) {
  const json* ok = member(resp, "ok");
  return ok && ok->is_boolean() && ok->get<bool>();
}

class Bridge {
 public:
  Bridge(std::string socket, mcp::CallSettings settings) : socket_(std::move(socket)), settings_(std::move(settings)) {}
  ~Bridge() { finish(); }
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  void handle_line(const std::string& line) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;  // blank line
    Message m = mcp::parse_message(line);
    switch (m.kind) {
      case Message::Kind::Invalid:
        return send(m.error);
      case Message::Kind::Response:
        return;  // we never send requests
      case Message::Kind::Notification:
        return on_notification(m);
      case Message::Kind::Request:
        return on_request(m);
    }
  }

  void line_too_long() {
    send(mcp::rpc_error(nullptr, mcp::kInvalidRequest,
                        "invalid request: the line is longer than " + std::to_string(kMaxMcpLineBytes) + " bytes"));
  }

  bool output_failed() {
    std::lock_guard lock(out_mu_);
    return out_failed_;
  }

  // Waits for every call in flight (cancelling them first if `cancel`).
  void finish(bool cancel = false) {
    if (cancel) {
      std::lock_guard lock(calls_mu_);
      for (auto& [key, f] : calls_) cancel_locked(*f);
    }
    for (auto& f : workers_)
      if (f->thread.joinable()) f->thread.join();
    workers_.clear();
  }

 private:
  void send(const json& msg) {
    std::string line = msg.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::lock_guard lock(out_mu_);
    if (out_failed_) return;
    std::size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::write(STDOUT_FILENO, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out_failed_ = true;
        return;
      }
      off += static_cast<std::size_t>(n);
    }
  }

  void on_notification(const Message& m) {
    if (m.method == "notifications/cancelled") {
      const json* rid = member(m.params, "requestId");
      if (!rid) return;
      std::lock_guard lock(calls_mu_);
      auto it = calls_.find(mcp::id_key(*rid));
      if (it != calls_.end()) cancel_locked(*it->second);
    }
    // notifications/initialized and anything else: nothing to do.
  }

  static void cancel_locked(InFlight& f) {
    std::lock_guard lock(f.mu);
    f.cancelled = true;
    if (f.fd >= 0) ::shutdown(f.fd, SHUT_RDWR);  // wakes the worker; cordond kills the call
  }

  void on_request(const Message& m) {
    if (m.method == "initialize") return initialize(m);
    if (m.method == "ping") return send(mcp::rpc_result(m.id, json::object()));
    if (m.method == "tools/list") return tools_list(m);
    if (m.method == "tools/call") return tools_call(m);
    send(mcp::rpc_error(m.id, mcp::kMethodNotFound, "method not found: " + m.method));
  }

  void initialize(const Message& m) {
    if (!m.params.is_object())
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "initialize: params must be an object"));
    if (initialized_) return send(mcp::rpc_error(m.id, mcp::kInvalidRequest, "initialize: already initialized"));
    initialized_ = true;
    std::string version = mcp::negotiate_version(m.params.value("protocolVersion", json(nullptr)));
    send(mcp::rpc_result(m.id, mcp::initialize_result(version, CORDON_VERSION)));
  }

  void tools_list(const Message& m) {
    if (!m.params.is_null() && !m.params.is_object())
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "tools/list: params must be an object"));
    if (member(m.params, "cursor"))
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "tools/list: unknown cursor (the list has one page)"));
    std::string err;
    auto conn = client::Connection::open(socket_, err);
    if (!conn) return send(mcp::rpc_error(m.id, mcp::kDaemonError, err, {{"code", "unavailable"}}));
    auto resp = conn->request({{"op", "tools"}}, err, {}, kOpTimeoutMs);
    if (!resp) return send(mcp::rpc_error(m.id, mcp::kDaemonError, err, {{"code", "unavailable"}}));
    if (!is_ok(*resp))
      return send(mcp::rpc_error(m.id, mcp::kDaemonError, daemon_error_message(*resp), daemon_error_data(*resp)));
    send(mcp::rpc_result(m.id, mcp::tools_list_result(mcp::tools_from_daemon(*resp))));
  }

  void tools_call(const Message& m) {
    if (!m.params.is_object())
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "tools/call: params must be an object"));
    const json* name = member(m.params, "name");
    if (!name || !name->is_string())
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "tools/call: name must be a string"));
    const json* args = member(m.params, "arguments");
    if (args && !args->is_object())
      return send(mcp::rpc_error(m.id, mcp::kInvalidParams, "tools/call: arguments must be an object"));
    reap();
    std::lock_guard lock(calls_mu_);
    if (calls_.count(mcp::id_key(m.id)))
      return send(mcp::rpc_error(m.id, mcp::kInvalidRequest, "tools/call: a request with this id is still running"));
    if (calls_.size() >= kMaxInFlight)
      return send(mcp::rpc_result(
          m.id, mcp::tool_error_result(
                    "busy: " + std::to_string(kMaxInFlight) + " calls are already running; try again later",
                    {{"outcome", "refused"}, {"error", {{"code", "busy"}}}})));
    auto f = std::make_shared<InFlight>();
    f->id = m.id;
    calls_[mcp::id_key(m.id)] = f;
    workers_.push_back(f);
    f->thread = std::thread([this, f, params = m.params] {
      json reply = execute(*f, params);
      {
        std::lock_guard l(calls_mu_);
        calls_.erase(mcp::id_key(f->id));
      }
      if (!reply.is_null()) send(reply);
      f->done = true;
    });
  }

  // Joins the workers that are done (main thread only).
  void reap() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // On a worker thread: the response to send, or null when cancelled.
  json execute(InFlight& f, const json& params) {
    const json& id = f.id;
    std::string name = params.at("name").get<std::string>();
    json arguments = params.value("arguments", json::object());
    json token = nullptr;
    if (const json* meta = member(params, "_meta"))
      if (const json* t = member(*meta, "progressToken"); t && (t->is_string() || t->is_number_integer())) token = *t;

    std::string err;
    auto conn = client::Connection::open(socket_, err);
    if (!conn) return mcp::rpc_error(id, mcp::kDaemonError, err, {{"code", "unavailable"}});
    FdLease lease(f, conn->fd());
    if (lease.cancelled()) return nullptr;

    auto tools = conn->request({{"op", "tools"}}, err, {}, kOpTimeoutMs);
    if (lease.cancelled()) return nullptr;
    if (!tools) return mcp::rpc_error(id, mcp::kDaemonError, err, {{"code", "unavailable"}});
    if (!is_ok(*tools))
      return mcp::rpc_error(id, mcp::kDaemonError, daemon_error_message(*tools), daemon_error_data(*tools));
    std::vector<mcp::Tool> offered = mcp::tools_from_daemon(*tools);
    const mcp::Tool* tool = mcp::find_tool(offered, name);
    if (!tool) return mcp::rpc_error(id, mcp::kInvalidParams, "unknown tool: " + name);
    auto req = mcp::run_request(*tool, arguments, settings_, err);
    if (!req) return mcp::rpc_result(id, mcp::tool_error_result(name + ": " + err, {{"outcome", "invalid_arguments"}}));
    (*req)["stream"] = true;  // for the call id (cancellation) and progress

    std::uint64_t bytes = 0;
    client::EventCallback on_event = [&](const json& ev) {
      std::string kind = string_of(ev, "event");
      if (kind == "started") {
        const json* cid = member(ev, "call_id");
        std::lock_guard lock(f.mu);
        if (cid && cid->is_string()) f.call_id = cid->get<std::string>();
      } else if (kind == "output" && !token.is_null()) {
        const json* data = member(ev, "data");
        if (!data || !data->is_string() || data->get_ref<const std::string&>().empty()) return;
        bytes += data->get_ref<const std::string&>().size();
        std::string stream = string_of(ev, "stream");
        send({{"jsonrpc", "2.0"},
              {"method", "notifications/progress"},
              {"params",
               {{"progressToken", token},
                {"progress", bytes},
                {"message", std::to_string(bytes) + " bytes of output so far (last from " + stream + ")"}}}});
      }
    };
    auto resp = conn->request(std::move(*req), err, on_event, -1);
    if (lease.release()) {
      kill_call(f);
      return nullptr;
    }
    if (!resp)
      return mcp::rpc_error(id, mcp::kDaemonError, "lost cordond during the call: " + err, {{"code", "unavailable"}});
    if (!is_ok(*resp) && string_of(daemon_error_data(*resp), "code") == "unknown_tool")
      return mcp::rpc_error(id, mcp::kInvalidParams, "unknown tool: " + name);
    return mcp::rpc_result(id, mcp::call_result(*resp));
  }

  // A cancelled call: its connection is closed, which makes cordond kill it
  // (kill_on_disconnect); also ask explicitly, for daemons configured not to.
  void kill_call(InFlight& f) {
    std::string call_id;
    {
      std::lock_guard lock(f.mu);
      call_id = f.call_id;
    }
    if (call_id.empty()) return;
    std::string err;
    auto conn = client::Connection::open(socket_, err);
    if (conn) conn->request({{"op", "kill"}, {"call_id", call_id}}, err, {}, kOpTimeoutMs);
  }

  std::string socket_;
  mcp::CallSettings settings_;
  bool initialized_ = false;  // main thread only
  std::mutex out_mu_;
  bool out_failed_ = false;
  std::mutex calls_mu_;
  std::map<std::string, std::shared_ptr<InFlight>> calls_;  // id key -> running call
  std::vector<std::shared_ptr<InFlight>> workers_;          // main thread only
};

}  // namespace

int mcp_command(const McpArgs& a) {
  mcp::CallSettings settings;
  settings.workspace = a.workspace;
  if (a.timeout) {
    settings.timeout_ms = parse_timeout_ms(*a.timeout);
    if (!settings.timeout_ms) {
      std::cerr << "cordon mcp: --timeout: '" << *a.timeout << "' is not a duration such as 500ms or 2s" << std::endl;
      return kExitUsage;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error value, not a signal
  Bridge bridge(a.socket.empty() ? client::default_socket_path() : a.socket, settings);
  LineReader in(STDIN_FILENO, kMaxMcpLineBytes);
  std::string line;
  for (;;) {
    LineReader::Status st = in.next(line);
    if (st == LineReader::Status::End) break;
    if (st == LineReader::Status::Error) {
      std::cerr << "cordon mcp: cannot read stdin" << std::endl;
      bridge.finish(/*cancel=*/true);
      return 1;
    }
    if (st == LineReader::Status::TooLong)
      bridge.line_too_long();
    else
      bridge.handle_line(line);
    if (bridge.output_failed()) {
      bridge.finish(/*cancel=*/true);
      return 1;
    }
  }
  bridge.finish();
  return bridge.output_failed() ? 1 : 0;
}

void add_mcp_command(CLI::App& app, McpCommand& c) {
  c.cmd = app.add_subcommand("mcp", "Serve the Model Context Protocol on stdio, forwarding tool calls to cordond");
  c.cmd->add_option("--socket", c.args.socket,
                    "cordond's socket (default: $CORDON_SOCKET, else /run/cordon/cordond.sock)");
  c.cmd->add_option("-w,--workspace", c.args.workspace,
                    "Directory relative to your workspace root, for tools that take one");
  c.cmd->add_option("-t,--timeout", c.args.timeout, "Wall-time limit per call (e.g. 30s), at most each profile's");
}

std::optional<int> run_mcp_command(const McpCommand& c) {
  if (c.cmd && c.cmd->parsed()) return mcp_command(c.args);
  return std::nullopt;
}

}  // namespace cordon::cli
