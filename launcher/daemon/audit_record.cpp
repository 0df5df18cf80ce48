#include "daemon/audit_record.h"

#include <algorithm>

namespace cordon::daemon {
namespace {

nlohmann::ordered_json peer_json(const Peer& p) { return {{"uid", p.uid}, {"gid", p.gid}, {"pid", p.pid}}; }

}  // namespace

std::vector<std::string> filter_argv(const std::shared_ptr<const RuleSet>& rules, const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  FilterOptions o;
  o.detect_injection = false;
  for (const auto& a : argv) out.push_back(rules ? filter_all(rules, a, o) : std::string("[unfiltered argument withheld]"));
  return out;
}

nlohmann::ordered_json call_record_body(const CallContext& c, const Profile& profile, const Result& r) {
  nlohmann::ordered_json j;
  j["kind"] = "call";
  j["call_id"] = c.call_id;
  j["tenant"] = c.tenant;
  j["caller"] = peer_json(c.peer);
  j["tool"] = c.tool;
  j["profile"] = {{"name", profile.name}, {"version", profile.version}, {"sha256", profile.content_sha256}};
  j["argv"] = c.argv;
  j["outcome"] = outcome_name(r.outcome);
  j["detail"] = r.detail;
  j["exit_code"] = r.exit_code ? nlohmann::ordered_json(*r.exit_code) : nlohmann::ordered_json(nullptr);
  j["signal"] = r.signal ? nlohmann::ordered_json(*r.signal) : nlohmann::ordered_json(nullptr);
  j["limit_hit"] = r.limit_hit.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.limit_hit);
  if (r.outcome == Outcome::SetupError) j["setup_error"] = {{"step", r.setup_step}, {"errno", r.setup_errno}};
  auto applied = nlohmann::ordered_json::array();
  auto missing = nlohmann::ordered_json::array();
  for (const auto& ctl : r.controls) {
    if (ctl.applied) applied.push_back(ctl.name);
    else missing.push_back({{"name", ctl.name}, {"detail", ctl.detail}});
  }
  j["controls"] = {{"applied", applied}, {"missing", missing}, {"required", profile.require}};
  const Limits& l = profile.limits;
  j["limits"] = {{"wall_time_ms", l.wall_time_ms}, {"cpu_time_ms", l.cpu_time_ms}, {"memory_bytes", l.memory_bytes},
                 {"pids", l.pids}, {"open_files", l.open_files}, {"file_size_bytes", l.file_size_bytes},
                 {"stdout_bytes", l.stdout_bytes}, {"stderr_bytes", l.stderr_bytes}, {"disk_bytes", l.disk_bytes},
                 {"cpu_cores", l.cpu_cores}};
  auto denials = nlohmann::ordered_json::array();
  for (const auto& d : r.denials) denials.push_back({{"syscall", d.syscall}, {"action", d.action}, {"count", d.count}});
  j["denied_syscalls"] = denials;
  const OutputFilterSummary& f = r.filter;
  auto redactions = nlohmann::ordered_json::object();
  for (const auto& [rule, n] : f.redactions) redactions[rule] = n;
  std::vector<std::string> inj_rules;
  for (const auto& i : f.injection)
    if (std::find(inj_rules.begin(), inj_rules.end(), i.rule) == inj_rules.end()) inj_rules.push_back(i.rule);
  j["filter"] = {{"data_class", f.data_class},
                 {"redactions", redactions},
                 {"withheld", f.withheld},
                 {"withheld_reason", f.withheld ? nlohmann::ordered_json(f.withheld_reason) : nlohmann::ordered_json(nullptr)},
                 {"injection", {{"suspected", f.injection_suspected}, {"score", f.injection_score}, {"rules", inj_rules}}}};
  auto secrets = nlohmann::ordered_json::array();
  for (const auto& s : r.secrets) secrets.push_back({{"name", s.name}, {"delivery", s.delivery}, {"fingerprint", s.fingerprint}});
  j["secrets"] = secrets;
  j["timings"] = {{"queued_us", c.queued_us}, {"setup_us", r.setup_us},  {"run_ms", r.wall_ms},
                  {"filter_us", f.filter_us}, {"contain_us", r.contain_us}, {"total_us", c.total_us}};
  j["usage"] = {{"cpu_ms", r.cpu_ms},
                {"peak_memory_bytes", r.peak_memory_bytes},
                {"stdout_bytes", r.stdout_.total_bytes},
                {"stderr_bytes", r.stderr_.total_bytes}};
  j["dangerous_opt_ins"] = r.dangerous_opt_ins;
  return j;
}

nlohmann::ordered_json event_record_body(const std::string& kind, const Peer* who, nlohmann::ordered_json fields) {
  nlohmann::ordered_json j;
  j["kind"] = kind;
  if (who) j["caller"] = peer_json(*who);
  for (auto& [k, v] : fields.items()) j[k] = v;
  return j;
}

}  // namespace cordon::daemon
