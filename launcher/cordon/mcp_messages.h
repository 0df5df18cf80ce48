// The pure half of `cordon mcp`: JSON-RPC 2.0 framing and MCP messages
// (protocol 2025-06-18), and their translation to and from cordond's
// protocol v1 (launcher/PROTOCOL.md). No I/O here; mcp_command.cpp does it.
//
// Contract:
// - parse_message() never throws: any line becomes a Request, a
//   Notification, a Response (the client answering us, ignored) or an
//   Invalid message that carries the JSON-RPC error to send (-32700 parse
//   error, -32600 invalid request), with the request's id when it could be
//   read, else null.
// - Tools: a profile with a tool definition is offered under the
//   definition's name with its JSON Schema as inputSchema; a profile without
//   one is offered under its own name with an {argv, stdin} schema.
// - Results: the tool's output (as cordond returns it, i.e. filtered) is
//   the text content; outcome, exit code, data class, injection flags,
//   redaction counts and the audit record (when cordond sends them) are the
//   structured content; isError is true unless the outcome is "ok".
// - A message nested deeper than kMaxDepth is an invalid request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon::cli::mcp {

inline constexpr const char* kProtocolVersion = "2025-06-18";
inline constexpr std::size_t kMaxDepth = 64;  // nesting of arrays and objects in one message

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kDaemonError = -32000;  // cordond unreachable or refused a non-call op

struct Message {
  enum class Kind { Request, Notification, Response, Invalid } kind = Kind::Invalid;
  nlohmann::json id;      // Request / Invalid (null when unreadable)
  std::string method;     // Request / Notification
  nlohmann::json params;  // object, or null when absent
  nlohmann::json error;   // Invalid: the complete error response to send
};

Message parse_message(const std::string& line);

nlohmann::json rpc_result(const nlohmann::json& id, nlohmann::json result);
nlohmann::json rpc_error(const nlohmann::json& id, int code, const std::string& message, nlohmann::json data = nullptr);
// A string or integer id as a map key.
std::string id_key(const nlohmann::json& id);

// The version to answer `initialize` with: the client's if we speak it,
// else ours.
std::string negotiate_version(const nlohmann::json& requested);
nlohmann::json initialize_result(const std::string& version, const std::string& server_version);

// A tool as offered to the MCP client, and how to call it on cordond.
struct Tool {
  std::string name;         // what the MCP client calls
  std::string profile;      // cordond's tool (profile) name
  bool structured = false;  // true: send "arguments"; false: send argv/stdin
  bool host_workspace = false;
  nlohmann::json mcp;  // the entry for tools/list
};

// From a cordond `tools` response (ok: true). Names that repeat are offered once.
std::vector<Tool> tools_from_daemon(const nlohmann::json& response);
nlohmann::json tools_list_result(const std::vector<Tool>& tools);
const Tool* find_tool(const std::vector<Tool>& tools, const std::string& name);

struct CallSettings {
  std::optional<std::string> workspace;     // for tools with a host workspace
  std::optional<std::uint64_t> timeout_ms;  // narrows the profile's
};

// The cordond `run` request for a tools/call, or nullopt with `err` (a
// message for the model: the arguments do not fit the {argv, stdin} schema).
std::optional<nlohmann::json> run_request(const Tool& tool, const nlohmann::json& arguments,
                                          const CallSettings& settings, std::string& err);

// A CallToolResult for a tool error the model can act on.
nlohmann::json tool_error_result(const std::string& message, nlohmann::json structured);
// A CallToolResult from cordond's answer to `run` (ok true or false).
nlohmann::json call_result(const nlohmann::json& response);

}  // namespace cordon::cli::mcp
