// Access policy: peer uid/gids -> tenant; what each tenant may run; admins.
// Identity always comes from the socket's peer credentials.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace cordon::daemon {

struct Peer {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::vector<gid_t> groups;  // supplementary (SO_PEERGROUPS)
};

struct Tenant {
  std::string name;
  std::set<uid_t> uids;
  std::set<gid_t> gids;
  std::vector<std::string> tools;  // profile names, or "*"
  std::string workspace_root;      // absolute, existing directory
  unsigned max_running = 4;
  unsigned max_queued = 16;
};

class Policy {
 public:
  std::vector<Tenant> tenants;
  std::set<uid_t> admin_uids;
  std::set<gid_t> admin_gids;

  // The tenant a peer belongs to: uid match first, then group match.
  const Tenant* tenant_for(const Peer& p) const;
  const Tenant* tenant_named(const std::string& name) const;
  bool is_admin(const Peer& p) const;
  static bool may_run(const Tenant& t, const std::string& tool);
};

struct PolicyLoad {
  std::optional<Policy> policy;
  std::vector<std::string> errors;
};

PolicyLoad load_policy(const std::string& path);
PolicyLoad parse_policy(const std::string& text, const std::string& origin);

}  // namespace cordon::daemon
