// query_audit_log and audit_record_matches. Contract in cordon/audit.h.
#include <algorithm>

#include "audit/lines.h"
#include "audit/order.h"
#include "audit/record.h"
#include "audit/timefmt.h"
#include "cordon/audit.h"

namespace cordon {
namespace {

bool member_matches(const nlohmann::ordered_json& record, const char* name, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  auto it = record.find(name);
  if (it == record.end() || !it->is_string()) return false;
  return std::find(wanted.begin(), wanted.end(), it->get_ref<const std::string&>()) != wanted.end();
}

}  // namespace

bool audit_record_matches(const nlohmann::ordered_json& record, const AuditFilter& f) {
  if (!record.is_object()) return false;
  if (!member_matches(record, "kind", f.kinds) || !member_matches(record, "tool", f.tools) ||
      !member_matches(record, "tenant", f.tenants) || !member_matches(record, "outcome", f.outcomes))
    return false;
  if (f.since_ms || f.until_ms) {
    auto it = record.find("ts");
    if (it == record.end() || !it->is_string()) return false;
    std::string err;
    auto ms = audit_detail::parse_rfc3339_ms(it->get_ref<const std::string&>(), err);
    if (!ms) return false;
    if (f.since_ms && *ms < *f.since_ms) return false;
    if (f.until_ms && *ms >= *f.until_ms) return false;
  }
  return true;
}

AuditQueryStats query_audit_log(
    const std::vector<std::string>& files, const AuditFilter& f,
    const std::function<void(std::string_view line, const nlohmann::ordered_json& record)>& emit) {
  AuditQueryStats stats;
  audit_detail::FileSet set = audit_detail::order_files(files, nullptr);
  if (!set.error.empty()) {
    stats.error = set.error;
    return stats;
  }
  for (const auto& log : set.logs) {
    std::string err = audit_detail::for_each_line(log.path, [&](std::string_view line, std::uint64_t, bool terminated) {
      std::string why;
      auto rec = terminated ? audit_detail::parse_record(line, why) : std::nullopt;
      if (!rec) {
        ++stats.skipped;
        return true;
      }
      ++stats.scanned;
      if (audit_record_matches(rec->json, f)) {
        ++stats.matched;
        emit(line, rec->json);
      }
      return true;
    });
    if (!err.empty()) {
      stats.error = err;
      return stats;
    }
  }
  return stats;
}

}  // namespace cordon
