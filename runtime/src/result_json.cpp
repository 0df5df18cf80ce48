#include <nlohmann/json.hpp>

#include "cordon/result.h"
#include "cordon/utf8.h"

namespace cordon {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::ExitNonzero: return "exit_nonzero";
    case Outcome::Signaled: return "signaled";
    case Outcome::Timeout: return "timeout";
    case Outcome::MemoryLimit: return "memory_limit";
    case Outcome::PidsLimit: return "pids_limit";
    case Outcome::OutputLimit: return "output_limit";
    case Outcome::Violation: return "violation";
    case Outcome::Killed: return "killed";
    case Outcome::SetupError: return "setup_error";
  }
  return "unknown";
}

namespace {

nlohmann::ordered_json stream_json(const OutputStream& s) {
  nlohmann::ordered_json j;
  j["data"] = utf8_sanitize(s.data);
  j["bytes"] = s.total_bytes;
  j["truncated"] = s.truncated;
  return j;
}

nlohmann::ordered_json filter_json(const OutputFilterSummary& f) {
  nlohmann::ordered_json j;
  j["applied"] = f.applied;
  j["rules_version"] = f.rules_version;
  j["data_class"] = f.data_class;
  j["max_data_class"] = f.max_data_class;
  j["redacted"] = f.redacted;
  auto counts = nlohmann::ordered_json::object();
  for (const auto& [rule, n] : f.redactions) counts[rule] = n;
  j["redactions"] = counts;
  j["withheld"] = f.withheld;
  j["withheld_reason"] = f.withheld ? nlohmann::ordered_json(f.withheld_reason) : nlohmann::ordered_json(nullptr);
  auto flags = nlohmann::ordered_json::array();
  for (const auto& i : f.injection)
    flags.push_back({{"stream", i.stream}, {"rule", i.rule}, {"category", i.category}, {"offset", i.offset},
                     {"length", i.length}, {"weight", i.weight}, {"obfuscated", i.obfuscated}});
  j["injection"] = {{"action", f.injection_action}, {"suspected", f.injection_suspected},
                    {"score", f.injection_score}, {"flags", flags}};
  j["enveloped"] = f.enveloped;
  j["streamed"] = f.streamed;
  j["secrets_guarded"] = f.secrets_guarded;
  j["controls_removed"] = f.controls_removed;
  j["invalid_utf8"] = f.invalid_utf8;
  j["filter_us"] = f.filter_us;
  return j;
}

}  // namespace

nlohmann::ordered_json to_json(const Result& r) {
  nlohmann::ordered_json j;
  j["outcome"] = outcome_name(r.outcome);
  j["detail"] = r.detail;
  j["exit_code"] = r.exit_code ? nlohmann::ordered_json(*r.exit_code) : nlohmann::ordered_json(nullptr);
  j["signal"] = r.signal ? nlohmann::ordered_json(*r.signal) : nlohmann::ordered_json(nullptr);
  j["limit_hit"] = r.limit_hit.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.limit_hit);
  if (r.outcome == Outcome::SetupError) j["setup_error"] = {{"step", r.setup_step}, {"errno", r.setup_errno}};
  j["stdout"] = stream_json(r.stdout_);
  j["stderr"] = stream_json(r.stderr_);
  j["time"] = {{"wall_ms", r.wall_ms}, {"cpu_ms", r.cpu_ms}, {"setup_us", r.setup_us}, {"contain_us", r.contain_us}};
  j["warm"] = r.warm;
  j["peak_memory_bytes"] = r.peak_memory_bytes;
  auto steps = nlohmann::ordered_json::array();
  for (const auto& s : r.setup_steps) steps.push_back({{"step", s.step}, {"us", static_cast<double>(s.ns) / 1000.0}});
  j["setup_steps"] = steps;
  auto controls = nlohmann::ordered_json::array();
  for (const auto& c : r.controls) controls.push_back({{"name", c.name}, {"applied", c.applied}, {"detail", c.detail}});
  j["controls"] = controls;
  auto denials = nlohmann::ordered_json::array();
  for (const auto& d : r.denials) {
    nlohmann::ordered_json dj = {{"syscall", d.syscall}, {"nr", d.nr}, {"action", d.action}, {"count", d.count}};
    if (d.action == "errno") dj["errno"] = d.errno_value;
    denials.push_back(dj);
  }
  j["denied_syscalls"] = denials;
  j["dangerous_opt_ins"] = r.dangerous_opt_ins;
  j["filter"] = filter_json(r.filter);
  auto secrets = nlohmann::ordered_json::array();
  for (const auto& g : r.secrets)
    secrets.push_back({{"name", g.name}, {"delivery", g.delivery}, {"fingerprint", g.fingerprint}});
  j["secrets"] = secrets;
  j["profile"] = {{"name", r.profile_name}, {"version", r.profile_version}, {"sha256", r.profile_sha256}};
  return j;
}

int exit_status_for(const Result& r) {
  switch (r.outcome) {
    case Outcome::Ok:
    case Outcome::ExitNonzero: return r.exit_code.value_or(0);
    case Outcome::Signaled: return 128 + r.signal.value_or(0);
    case Outcome::Timeout: return kExitTimeout;
    case Outcome::MemoryLimit:
    case Outcome::PidsLimit:
    case Outcome::OutputLimit: return kExitLimit;
    case Outcome::Violation: return kExitViolation;
    case Outcome::Killed: return kExitKilled;
    case Outcome::SetupError: return kExitSetupError;
  }
  return kExitSetupError;
}

}  // namespace cordon
