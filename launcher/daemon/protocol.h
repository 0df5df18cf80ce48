// Protocol v1 request decoding (launcher/PROTOCOL.md): one line in, either a
// typed request or a protocol error out. Pure: no I/O, no policy. Access
// checks and execution belong to the server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon::daemon {

struct RunRequest {
  std::string tool;
  std::vector<std::string> argv;              // raw argv, or
  std::optional<nlohmann::json> arguments;    // structured arguments for the tool definition
  std::optional<std::string> stdin_data;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> workspace;
  std::optional<std::uint64_t> timeout_ms;
  bool stream = false;
  // Narrows the profile's secret grants to these names (absent: all).
  std::optional<std::vector<std::string>> secrets;
};

struct KillRequest {
  enum class By { CallId, Tool, Tenant, All } by = By::All;
  std::string value;  // call id, tool or tenant
};

struct StatsRequest {
  bool prometheus = false;  // "format": "prometheus" (else "json")
};

struct Request {
  nlohmann::json id;   // string or integer, echoed in every reply
  std::string op;      // run ps kill tools stats health reload
  std::variant<std::monostate, RunRequest, KillRequest, StatsRequest> body;
};

struct ProtocolError {
  nlohmann::json id;   // null when the line had no usable id
  std::string code;    // bad_json, bad_request, unknown_op
  std::string message;
};

std::variant<Request, ProtocolError> decode_request(std::string_view line);

}  // namespace cordon::daemon
