// cordond's configuration file (JSON with comments). Loaded once at start;
// every error is reported with file, field and reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cordon/audit.h"
#include "cordon/warm_pool.h"

namespace cordon::daemon {

struct DaemonConfig {
  std::string socket_path = "/run/cordon/cordond.sock";
  unsigned socket_mode = 0660;
  std::string socket_group;              // "" = leave the group alone
  std::vector<std::string> profile_dirs = {"/etc/cordon/profiles"};
  std::string policy_path = "/etc/cordon/policy.json";
  unsigned max_running = 8;              // calls running at once (worker threads)
  unsigned max_queued = 64;              // calls waiting, all tenants together
  unsigned max_connections = 256;
  std::size_t max_line_bytes = 1u << 20;
  std::uint64_t idle_timeout_ms = 30'000;   // for a half-written line
  std::uint64_t shutdown_grace_ms = 5'000;  // SIGTERM: running calls get this long
  bool kill_on_disconnect = true;
  // Per-tenant secret store: <secrets_dir>/<tenant>/<name> (cordon/secrets.h).
  // "" = no secrets; a profile that grants one then gets `secret_unavailable`.
  std::string secrets_dir;
  // The audit log ("audit": {"path": ..., "durability": ..., ...}, see
  // cordon/audit.h). Empty path = no log file (records still go in
  // responses).
  AuditSettings audit;
  // Warm pool ("warm_pool": {"profiles": {"sh": 2}, "max_total": 16,
  // "max_shapes_per_profile": 4, "idle_seconds": 300}, cordon/warm_pool.h).
  // No profiles listed = no pool: every call starts cold.
  WarmPoolConfig warm_pool;
  // Not read from the file: set from $CORDOND_FAULT_INJECTION by cordond's
  // main, for tests. A request line containing it throws inside the daemon.
  std::string fault_injection_marker;
};

struct ConfigLoad {
  std::optional<DaemonConfig> config;
  std::vector<std::string> errors;  // "file: field: reason"
};

ConfigLoad load_config(const std::string& path);
ConfigLoad parse_config(const std::string& text, const std::string& origin);

}  // namespace cordon::daemon
