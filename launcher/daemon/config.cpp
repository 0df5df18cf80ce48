#include "daemon/config.h"

#include "daemon/json_fields.h"

namespace cordon::daemon {

ConfigLoad parse_config(const std::string& text, const std::string& origin) {
  ConfigLoad out;
  auto j = parse_json_text(text, origin, out.errors);
  if (!j) return out;
  FieldReader r(origin, out.errors);
  if (!r.object(*j, "")) return out;
  r.only(*j, "",
         {"socket", "socket_mode", "socket_group", "profile_dirs", "policy", "max_running", "max_queued",
          "max_connections", "max_line_bytes", "idle_timeout_ms", "shutdown_grace_ms", "kill_on_disconnect", "secrets_dir", "audit",
          "warm_pool"});
  DaemonConfig c;
  r.get(*j, "socket", "", c.socket_path);
  std::string mode;
  r.get(*j, "socket_mode", "", mode);
  if (!mode.empty()) {
    char* end = nullptr;
    unsigned long m = std::strtoul(mode.c_str(), &end, 8);
    if (*end != '\0' || m > 0777)
      r.error("socket_mode", "must be an octal mode string such as \"0660\"");
    else
      c.socket_mode = static_cast<unsigned>(m);
  }
  r.get(*j, "socket_group", "", c.socket_group);
  r.get(*j, "profile_dirs", "", c.profile_dirs);
  r.get(*j, "policy", "", c.policy_path);
  std::uint64_t v = c.max_running;
  r.get(*j, "max_running", "", v, 1, 1024);
  c.max_running = static_cast<unsigned>(v);
  v = c.max_queued;
  r.get(*j, "max_queued", "", v, 0, 100000);
  c.max_queued = static_cast<unsigned>(v);
  v = c.max_connections;
  r.get(*j, "max_connections", "", v, 1, 100000);
  c.max_connections = static_cast<unsigned>(v);
  v = c.max_line_bytes;
  r.get(*j, "max_line_bytes", "", v, 1024, 64u << 20);
  c.max_line_bytes = static_cast<std::size_t>(v);
  r.get(*j, "idle_timeout_ms", "", c.idle_timeout_ms, 10, 3'600'000);
  r.get(*j, "shutdown_grace_ms", "", c.shutdown_grace_ms, 0, 3'600'000);
  r.get(*j, "kill_on_disconnect", "", c.kill_on_disconnect);
  r.get(*j, "secrets_dir", "", c.secrets_dir);
  if (!c.secrets_dir.empty() && c.secrets_dir[0] != '/') r.error("secrets_dir", "must be an absolute path");
  if (j->contains("audit")) {
    AuditSettingsLoad a = parse_audit_settings((*j)["audit"]);
    for (const auto& e : a.errors) r.error("audit", e);
    if (a.settings) c.audit = *a.settings;
    if (!c.audit.path.empty() && c.audit.path[0] != '/') r.error("audit.path", "must be an absolute path");
  }
  if (j->contains("warm_pool")) {
    const nlohmann::json& w = (*j)["warm_pool"];
    if (r.object(w, "warm_pool")) {
      r.only(w, "warm_pool", {"profiles", "max_total", "max_shapes_per_profile", "idle_seconds"});
      if (w.contains("profiles")) {
        const nlohmann::json& ps = w["profiles"];
        if (!ps.is_object()) {
          r.error("warm_pool.profiles", "must be an object of profile name -> sandboxes kept ready");
        } else {
          for (const auto& [name, size] : ps.items()) {
            if (!size.is_number_unsigned() || size.get<std::uint64_t>() > 64)
              r.error("warm_pool.profiles." + name, "must be a whole number from 0 to 64");
            else
              c.warm_pool.sizes[name] = size.get<unsigned>();
          }
        }
      }
      v = c.warm_pool.max_total;
      r.get(w, "max_total", "warm_pool", v, 1, 256);
      c.warm_pool.max_total = static_cast<unsigned>(v);
      v = c.warm_pool.max_shapes_per_profile;
      r.get(w, "max_shapes_per_profile", "warm_pool", v, 1, 64);
      c.warm_pool.max_shapes_per_profile = static_cast<unsigned>(v);
      v = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(c.warm_pool.idle).count());
      r.get(w, "idle_seconds", "warm_pool", v, 1, 86'400);
      c.warm_pool.idle = std::chrono::seconds(v);
    }
  }
  if (c.socket_path.empty() || c.socket_path[0] != '/') r.error("socket", "must be an absolute path");
  if (c.socket_path.size() > 100) r.error("socket", "path too long for a Unix socket");
  if (out.errors.empty()) out.config = c;
  return out;
}

ConfigLoad load_config(const std::string& path) {
  std::string err;
  auto text = read_text_file(path, err);
  if (!text) return ConfigLoad{std::nullopt, {path + ": " + err}};
  return parse_config(*text, path);
}

}  // namespace cordon::daemon
