// parse_audit_settings: the "audit" object of a configuration file.
// Contract in cordon/audit.h.
#include <limits>

#include "cordon/audit.h"
#include "profile/units.h"

namespace cordon {
namespace {

std::optional<std::uint64_t> unsigned_member(const nlohmann::json& v, const std::string& name, bool size_strings,
                                             std::vector<std::string>& errors) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (size_strings && v.is_string()) {
    std::string err;
    auto n = parse_size(v.get<std::string>(), err);
    if (!n) errors.push_back(name + ": " + err);
    return n;
  }
  errors.push_back(name + (size_strings ? ": must be a non-negative integer or a size such as \"64M\""
                                        : ": must be a non-negative integer"));
  return std::nullopt;
}

}  // namespace

AuditSettingsLoad parse_audit_settings(const nlohmann::json& object) {
  AuditSettingsLoad load;
  if (!object.is_object()) {
    load.errors.push_back("audit: must be an object");
    return load;
  }
  AuditSettings s;
  bool interval_given = false;
  for (const auto& [key, v] : object.items()) {
    if (key == "path") {
      if (v.is_string() && !v.get<std::string>().empty()) s.path = v.get<std::string>();
      else load.errors.push_back("path: must be a non-empty string");
    } else if (key == "durability") {
      std::string d = v.is_string() ? v.get<std::string>() : "";
      if (d == "fsync_each") s.options.durability = AuditDurability::FsyncEach;
      else if (d == "fsync_interval") s.options.durability = AuditDurability::FsyncInterval;
      else if (d == "none") s.options.durability = AuditDurability::None;
      else load.errors.push_back("durability: must be \"fsync_each\", \"fsync_interval\" or \"none\"");
    } else if (key == "fsync_interval_ms") {
      interval_given = true;
      auto n = unsigned_member(v, key, false, load.errors);
      if (n && (*n < 1 || *n > 60'000)) load.errors.push_back("fsync_interval_ms: must be between 1 and 60000");
      else if (n) s.options.fsync_interval = std::chrono::milliseconds(static_cast<std::int64_t>(*n));
    } else if (key == "rotate_bytes") {
      auto n = unsigned_member(v, key, true, load.errors);
      if (n && *n != 0 && *n < 64 * kKiB) load.errors.push_back("rotate_bytes: must be 0 (never) or at least 64K");
      else if (n) s.options.rotate_bytes = *n;
    } else if (key == "keep_files") {
      auto n = unsigned_member(v, key, false, load.errors);
      if (n && *n > std::numeric_limits<unsigned>::max()) load.errors.push_back("keep_files: too large");
      else if (n) s.options.keep_files = static_cast<unsigned>(*n);
    } else {
      load.errors.push_back(key + ": unknown field");
    }
  }
  if (interval_given && s.options.durability != AuditDurability::FsyncInterval)
    load.errors.push_back("fsync_interval_ms: only applies with \"durability\": \"fsync_interval\"");
  if (load.errors.empty()) load.settings = std::move(s);
  return load;
}

}  // namespace cordon
