#include "daemon/policy.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <regex>

#include "daemon/json_fields.h"

namespace cordon::daemon {
namespace {

bool in_groups(const Peer& p, const std::set<gid_t>& gids) {
  if (gids.count(p.gid)) return true;
  return std::any_of(p.groups.begin(), p.groups.end(), [&](gid_t g) { return gids.count(g) != 0; });
}

bool nested(const std::string& a, const std::string& b) {
  return a == b || (a.size() > b.size() && a.compare(0, b.size(), b) == 0 && a[b.size()] == '/');
}

}  // namespace

const Tenant* Policy::tenant_for(const Peer& p) const {
  for (const auto& t : tenants)
    if (t.uids.count(p.uid)) return &t;
  for (const auto& t : tenants)
    if (in_groups(p, t.gids)) return &t;
  return nullptr;
}

const Tenant* Policy::tenant_named(const std::string& name) const {
  for (const auto& t : tenants)
    if (t.name == name) return &t;
  return nullptr;
}

bool Policy::is_admin(const Peer& p) const { return admin_uids.count(p.uid) || in_groups(p, admin_gids); }

bool Policy::may_run(const Tenant& t, const std::string& tool) {
  return std::any_of(t.tools.begin(), t.tools.end(), [&](const std::string& s) { return s == "*" || s == tool; });
}

PolicyLoad parse_policy(const std::string& text, const std::string& origin) {
  PolicyLoad out;
  auto j = parse_json_text(text, origin, out.errors);
  if (!j) return out;
  FieldReader r(origin, out.errors);
  if (!r.object(*j, "")) return out;
  r.only(*j, "", {"tenants", "admins"});
  Policy pol;
  static const std::regex kName("^[a-z0-9][a-z0-9._-]{0,63}$");
  if (j->contains("tenants")) {
    const auto& ts = j->at("tenants");
    if (!r.object(ts, "tenants")) return out;
    for (const auto& [name, tj] : ts.items()) {
      std::string path = "tenants." + name;
      if (!std::regex_match(name, kName)) r.error(path, "tenant names match ^[a-z0-9][a-z0-9._-]{0,63}$");
      if (!r.object(tj, path)) continue;
      r.only(tj, path, {"uids", "gids", "tools", "workspace_root", "max_running", "max_queued"});
      Tenant t;
      t.name = name;
      std::vector<std::uint32_t> ids;
      r.get(tj, "uids", path, ids);
      t.uids.insert(ids.begin(), ids.end());
      ids.clear();
      r.get(tj, "gids", path, ids);
      t.gids.insert(ids.begin(), ids.end());
      if (t.uids.empty() && t.gids.empty()) r.error(path, "needs at least one uid or gid");
      r.get(tj, "tools", path, t.tools);
      r.get(tj, "workspace_root", path, t.workspace_root);
      if (t.workspace_root.empty()) {
        r.error(join_path(path, "workspace_root"), "required");
      } else {
        char real[PATH_MAX];
        struct stat sb{};
        if (realpath(t.workspace_root.c_str(), real) == nullptr || stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode))
          r.error(join_path(path, "workspace_root"), "'" + t.workspace_root + "' is not an existing directory");
        else
          t.workspace_root = real;
      }
      std::uint64_t v = t.max_running;
      r.get(tj, "max_running", path, v, 1, 1024);
      t.max_running = static_cast<unsigned>(v);
      v = t.max_queued;
      r.get(tj, "max_queued", path, v, 0, 100000);
      t.max_queued = static_cast<unsigned>(v);
      pol.tenants.push_back(std::move(t));
    }
  }
  // Two tenants never share a writable path: roots may not nest, and a
  // uid belongs to one tenant only.
  for (std::size_t a = 0; a < pol.tenants.size(); ++a)
    for (std::size_t b = 0; b < pol.tenants.size(); ++b) {
      if (a == b) continue;
      const Tenant& ta = pol.tenants[a];
      const Tenant& tb = pol.tenants[b];
      if (a < b && !ta.workspace_root.empty() && !tb.workspace_root.empty() &&
          (nested(ta.workspace_root, tb.workspace_root) || nested(tb.workspace_root, ta.workspace_root)))
        r.error("tenants." + tb.name + ".workspace_root", "overlaps the workspace root of tenant '" + ta.name + "'");
      if (a < b)
        for (uid_t u : ta.uids)
          if (tb.uids.count(u))
            r.error("tenants." + tb.name + ".uids", "uid " + std::to_string(u) + " already belongs to tenant '" + ta.name + "'");
    }
  if (j->contains("admins")) {
    const auto& aj = j->at("admins");
    if (r.object(aj, "admins")) {
      r.only(aj, "admins", {"uids", "gids"});
      std::vector<std::uint32_t> ids;
      r.get(aj, "uids", "admins", ids);
      pol.admin_uids.insert(ids.begin(), ids.end());
      ids.clear();
      r.get(aj, "gids", "admins", ids);
      pol.admin_gids.insert(ids.begin(), ids.end());
    }
  }
  if (out.errors.empty()) out.policy = std::move(pol);
  return out;
}

PolicyLoad load_policy(const std::string& path) {
  std::string err;
  auto text = read_text_file(path, err);
  if (!text) return PolicyLoad{std::nullopt, {path + ": " + err}};
  return parse_policy(*text, path);
}

}  // namespace cordon::daemon
