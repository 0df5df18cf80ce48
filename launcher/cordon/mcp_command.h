// `cordon mcp`: a Model Context Protocol server (2025-06-18) on stdio that
// forwards tools/list and tools/call to cordond.
//
// Contract:
// - stdin carries newline-delimited JSON-RPC 2.0 messages; stdout carries
//   only MCP messages, one per line; diagnostics go to stderr.
// - Every tools/list and tools/call opens its own connection to cordond's
//   socket from this process, so cordond sees the caller's own uid and
//   groups (peer credentials) and applies that tenant's policy.
// - Calls run concurrently (one thread and one connection each, at most
//   kMaxInFlight). notifications/cancelled closes the call's connection and
//   kills the call; no response is sent for a cancelled request.
// - A request with _meta.progressToken gets notifications/progress with the
//   number of output bytes so far (never the output itself).
// - Bad input never ends the session: it gets the JSON-RPC error the spec
//   names (-32700, -32600, -32601, -32602), or nothing for notifications.
// - At end of input, calls in flight finish and are answered, then the
//   command exits 0. It exits 1 if stdout cannot be written.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace cordon::cli {

struct McpArgs {
  std::string socket;                    // empty: client::default_socket_path()
  std::optional<std::string> workspace;  // relative to the tenant's root
  std::optional<std::string> timeout;    // duration, narrows each profile's
};

inline constexpr std::size_t kMaxInFlight = 64;
inline constexpr std::size_t kMaxMcpLineBytes = std::size_t{8} << 20;

int mcp_command(const McpArgs& args);

// CLI11 keeps pointers into it: it must stay in place until the parse.
struct McpCommand {
  McpArgs args;
  CLI::App* cmd = nullptr;
};

void add_mcp_command(CLI::App& app, McpCommand& c);
// Runs `cordon mcp` if it was parsed; nullopt otherwise.
std::optional<int> run_mcp_command(const McpCommand& c);

}  // namespace cordon::cli
