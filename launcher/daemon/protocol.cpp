#include "daemon/protocol.h"

#include <map>

namespace cordon::daemon {
namespace {

using nlohmann::json;
using Decoded = std::variant<Request, ProtocolError>;

enum class Type { String, Array, Object, Unsigned, Bool };

bool has_type(const json& v, Type t) {
  switch (t) {
    case Type::String: return v.is_string();
    case Type::Array: return v.is_array();
    case Type::Object: return v.is_object();
    case Type::Unsigned: return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    case Type::Bool: return v.is_boolean();
  }
  return false;
}

// "" when every field (other than id/op) is known and well-typed.
std::string check_fields(const json& req, const std::map<std::string, Type>& allowed) {
  for (const auto& [k, v] : req.items()) {
    if (k == "id" || k == "op") continue;
    auto it = allowed.find(k);
    if (it == allowed.end()) return "unknown field '" + k + "'";
    if (!has_type(v, it->second)) return "field '" + k + "' has the wrong type";
  }
  return "";
}

Decoded decode_run(Request r, const json& j) {
  auto bad = [&](std::string m) -> Decoded { return ProtocolError{r.id, "bad_request", std::move(m)}; };
  std::string err = check_fields(j, {{"tool", Type::String},
                                     {"argv", Type::Array},
                                     {"arguments", Type::Object},
                                     {"stdin", Type::String},
                                     {"env", Type::Object},
                                     {"workspace", Type::String},
                                     {"timeout_ms", Type::Unsigned},
                                     {"stream", Type::Bool},
                                     {"secrets", Type::Array}});
  if (!err.empty()) return bad(err);
  if (!j.contains("tool")) return bad("'tool' is required");
  if (j.contains("argv") == j.contains("arguments")) return bad("give exactly one of 'argv' and 'arguments'");
  RunRequest run;
  run.tool = j["tool"].get<std::string>();
  if (j.contains("arguments")) {
    run.arguments = j["arguments"];
  } else {
    for (const auto& a : j["argv"]) {
      if (!a.is_string()) return bad("'argv' must be an array of strings");
      run.argv.push_back(a.get<std::string>());
    }
    if (run.argv.empty()) return bad("'argv' must not be empty");
  }
  if (j.contains("env"))
    for (const auto& [k, v] : j["env"].items()) {
      if (!v.is_string()) return bad("env values must be strings");
      run.env.emplace_back(k, v.get<std::string>());
    }
  if (j.contains("stdin")) run.stdin_data = j["stdin"].get<std::string>();
  if (j.contains("workspace")) run.workspace = j["workspace"].get<std::string>();
  if (j.contains("timeout_ms")) run.timeout_ms = j["timeout_ms"].get<std::uint64_t>();
  run.stream = j.value("stream", false);
  if (j.contains("secrets")) {
    run.secrets.emplace();
    for (const auto& n : j["secrets"]) {
      if (!n.is_string()) return bad("'secrets' must be an array of secret names");
      run.secrets->push_back(n.get<std::string>());
    }
  }
  r.body = std::move(run);
  return r;
}

Decoded decode_kill(Request r, const json& j) {
  std::string err = check_fields(j, {{"call_id", Type::String}, {"tool", Type::String}, {"tenant", Type::String}, {"all", Type::Bool}});
  if (!err.empty()) return ProtocolError{r.id, "bad_request", err};  // before any typed read ("all": 5 must not throw)
  int n = (j.contains("call_id") ? 1 : 0) + (j.contains("tool") ? 1 : 0) + (j.contains("tenant") ? 1 : 0) +
          (j.value("all", false) ? 1 : 0);
  if (n != 1) return ProtocolError{r.id, "bad_request", "give exactly one of call_id, tool, tenant, all"};
  KillRequest k;
  if (j.contains("call_id")) {
    k.by = KillRequest::By::CallId;
    k.value = j["call_id"];
  } else if (j.contains("tool")) {
    k.by = KillRequest::By::Tool;
    k.value = j["tool"];
  } else if (j.contains("tenant")) {
    k.by = KillRequest::By::Tenant;
    k.value = j["tenant"];
  }
  r.body = k;
  return r;
}

}  // namespace

std::variant<Request, ProtocolError> decode_request(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return ProtocolError{nullptr, "bad_json", "each line must be one JSON object"};
  Request r;
  r.id = j.contains("id") ? j["id"] : json(nullptr);
  if (!r.id.is_string() && !r.id.is_number_integer())
    return ProtocolError{nullptr, "bad_request", "'id' must be a string or an integer"};
  if (!j.contains("op") || !j["op"].is_string()) return ProtocolError{r.id, "bad_request", "'op' must be a string"};
  r.op = j["op"].get<std::string>();
  if (r.op == "run") return decode_run(std::move(r), j);
  if (r.op == "kill") return decode_kill(std::move(r), j);
  if (r.op == "stats") {
    std::string err = check_fields(j, {{"format", Type::String}});
    if (!err.empty()) return ProtocolError{r.id, "bad_request", err};
    StatsRequest st;
    const std::string format = j.value("format", "json");
    if (format != "json" && format != "prometheus")
      return ProtocolError{r.id, "bad_request", "'format' must be \"json\" or \"prometheus\""};
    st.prometheus = format == "prometheus";
    r.body = st;
    return r;
  }
  if (r.op == "ps" || r.op == "tools" || r.op == "health" || r.op == "reload") {
    std::string err = check_fields(j, {});
    if (!err.empty()) return ProtocolError{r.id, "bad_request", err};
    return r;
  }
  return ProtocolError{r.id, "unknown_op", "unknown op '" + r.op + "'"};
}

}  // namespace cordon::daemon
