// The `cordon` commands that talk to cordond: call, ps, kill, tools, stats,
// health. Each returns the process exit status.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace cordon::cli {

struct ClientOptions {
  std::string socket;  // empty: client::default_socket_path()
  bool json = false;   // print the daemon's response instead of a summary
};

struct CallArgs {
  ClientOptions client;
  std::optional<std::string> workspace;   // relative to the tenant's root
  std::optional<std::string> stdin_file;
  std::vector<std::string> env;           // K=V
  std::optional<std::string> timeout;     // duration, narrows the profile's
  bool stream = false;
  std::string tool;
  std::vector<std::string> argv;
};

struct KillArgs {
  ClientOptions client;
  std::optional<std::string> call_id;
  std::optional<std::string> tool;
  std::optional<std::string> tenant;
  bool all = false;
};

int call_command(const CallArgs& args);
int ps_command(const ClientOptions& opts);
int kill_command(const KillArgs& args);
int tools_command(const ClientOptions& opts);
int stats_command(const ClientOptions& opts);
int health_command(const ClientOptions& opts);

// What the client subcommands parse into. CLI11 keeps pointers into it, so
// it must stay in place between add_client_commands and the parse.
struct ClientCommands {
  CallArgs call;
  KillArgs kill;
  ClientOptions ps, tools, stats, health;
  std::string tools_format;  // "", "openai", "anthropic" or "mcp"
  CLI::App* call_cmd = nullptr;
  CLI::App* ps_cmd = nullptr;
  CLI::App* kill_cmd = nullptr;
  CLI::App* tools_cmd = nullptr;
  CLI::App* stats_cmd = nullptr;
  CLI::App* health_cmd = nullptr;
};

void add_client_commands(CLI::App& app, ClientCommands& cmds);

// Runs the client subcommand that was parsed; nullopt if none was.
std::optional<int> run_client_command(const ClientCommands& cmds);

}  // namespace cordon::cli
