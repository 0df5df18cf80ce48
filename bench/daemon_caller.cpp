#include "daemon_caller.h"

namespace cordon::bench {
namespace {

constexpr int kCallTimeoutMs = 120'000;

std::string shorten(const std::string& s, std::size_t n = 300) { return s.size() > n ? s.substr(0, n) + "..." : s; }

}  // namespace

std::optional<DaemonCaller> DaemonCaller::open(const std::string& socket, const std::string& tool,
                                               const std::vector<std::string>& argv, std::string& err) {
  auto conn = client::Connection::open(socket, err);
  if (!conn) return std::nullopt;
  return DaemonCaller(std::move(*conn), nlohmann::json{{"op", "run"}, {"tool", tool}, {"argv", argv}});
}

std::string DaemonCaller::call(nlohmann::json* result) {
  try {
    return call_once(result);
  } catch (const std::exception& e) {  // a response field of an unexpected type
    return std::string("unexpected response: ") + e.what();
  }
}

std::string DaemonCaller::call_once(nlohmann::json* result) {
  std::string err;
  auto r = conn_.request(request_, err, {}, kCallTimeoutMs);
  if (!r) return "daemon: " + err;
  if (r->value("ok", false) != true) return "daemon refused the call: " + shorten(r->dump());
  const auto it = r->find("result");
  if (it == r->end() || !it->is_object()) return "daemon response without a result: " + shorten(r->dump());
  std::string outcome = it->value("outcome", "");
  std::string detail = it->value("detail", "");
  if (result) *result = std::move(*it);
  if (outcome != "ok") return "outcome " + outcome + (detail.empty() ? "" : ": " + detail);
  return "";
}

WorkerFactory daemon_workers(const std::string& socket, const std::string& tool, const std::vector<std::string>& argv) {
  return [socket, tool, argv](std::string& err) -> std::optional<CallFn> {
    auto c = DaemonCaller::open(socket, tool, argv, err);
    if (!c) return std::nullopt;
    auto shared = std::make_shared<DaemonCaller>(std::move(*c));
    return CallFn([shared] { return shared->call(); });
  };
}

}  // namespace cordon::bench
