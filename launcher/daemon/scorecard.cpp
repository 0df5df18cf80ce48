#include "daemon/scorecard.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "cordon/profile.h"

namespace cordon::daemon {
namespace {

using json = nlohmann::json;
using Counts = std::map<std::string, std::uint64_t>;
constexpr const char* kOtherKey = "_other";

// Adds n to counts[key], or to counts["_other"] once kMaxKeys keys exist.
void bump(Counts& counts, const std::string& key, std::uint64_t n = 1) {
  auto it = counts.find(key);
  if (it != counts.end()) {
    it->second += n;
  } else if (counts.size() < Scorecard::kMaxKeys) {
    counts.emplace(key, n);
  } else {
    counts[kOtherKey] += n;
  }
}

void add_counts(Counts& into, const Counts& from) {
  for (const auto& [k, n] : from) bump(into, k, n);
}

bool is_limit_outcome(Outcome o) {
  return o == Outcome::Timeout || o == Outcome::MemoryLimit || o == Outcome::PidsLimit || o == Outcome::OutputLimit;
}

bool is_optional_control(const std::string& name) {
  const auto& names = optional_control_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool applied(const Result& r, const std::string& control) {
  return std::any_of(r.controls.begin(), r.controls.end(),
                     [&](const Control& c) { return c.name == control && c.applied; });
}

bool full_coverage(const Result& r) {
  return !r.controls.empty() &&
         std::all_of(r.controls.begin(), r.controls.end(), [](const Control& c) { return c.applied; });
}

bool required_coverage(const Result& r, const std::vector<std::string>& required) {
  if (r.controls.empty()) return false;
  for (const Control& c : r.controls)
    if (!c.applied && !is_optional_control(c.name)) return false;
  return std::all_of(required.begin(), required.end(), [&](const std::string& n) { return applied(r, n); });
}

void add_tally(Scorecard::Tally& into, const Scorecard::Tally& t) {
  into.calls += t.calls;
  add_counts(into.by_outcome, t.by_outcome);
  into.sensitive += t.sensitive;
  into.withheld += t.withheld;
  into.redacted += t.redacted;
  into.passed += t.passed;
  add_counts(into.redactions, t.redactions);
  into.denied_syscalls += t.denied_syscalls;
  add_counts(into.denied_by_syscall, t.denied_by_syscall);
  into.violations += t.violations;
  add_counts(into.limit_kills, t.limit_kills);
  into.injection_flags += t.injection_flags;
  into.withheld_outputs += t.withheld_outputs;
  add_counts(into.refused, t.refused);
  into.sandboxed += t.sandboxed;
  into.full_coverage += t.full_coverage;
  into.required_coverage += t.required_coverage;
  add_counts(into.missing, t.missing);
  into.contain_count += t.contain_count;
  into.contain_us_sum += t.contain_us_sum;
  into.operator_contain_count += t.operator_contain_count;
  into.operator_contain_us_sum += t.operator_contain_us_sum;
  into.setup_count += t.setup_count;
  into.setup_us_sum += t.setup_us_sum;
  into.call_us_sum += t.call_us_sum;
  into.queue_us_sum += t.queue_us_sum;
}

std::uint64_t count_of(const Counts& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() ? 0 : it->second;
}

std::uint64_t total_of(const Counts& c) {
  std::uint64_t n = 0;
  for (const auto& kv : c) n += kv.second;
  return n;
}

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Nearest rank: the smallest sample with at least `percent`% of the
// samples at or below it. `sorted` must be sorted and non-empty.
std::uint64_t percentile(const std::vector<std::uint64_t>& sorted, std::size_t percent) {
  std::size_t rank = (percent * sorted.size() + 99) / 100;
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

constexpr std::size_t kPercents[] = {50, 95, 99};

// Windowed values of one metric, sorted on first use.
struct Values {
  std::vector<std::uint64_t> us;
  void sort() { std::sort(us.begin(), us.end()); }
};

json ms_or_null(const Values& v, std::size_t percent) {
  if (v.us.empty()) return nullptr;
  return static_cast<double>(percentile(v.us, percent)) / 1000.0;
}

// {count, mean_ms, p50_ms, p95_ms, p99_ms}: count and mean exact, the
// percentiles from the window.
json timing(std::uint64_t count, std::uint64_t sum_us, const Values& v) {
  json j = {{"count", count},
            {"mean_ms", count == 0 ? json(nullptr) : json(static_cast<double>(sum_us) / 1000.0 /
                                                          static_cast<double>(count))}};
  for (std::size_t p : kPercents) j["p" + std::to_string(p) + "_ms"] = ms_or_null(v, p);
  return j;
}

// The windowed samples that belong to one section.
struct SectionValues {
  Values setup, call, queue, contain, contain_operator, contain_automatic;
  void sort() {
    for (Values* v : {&setup, &call, &queue, &contain, &contain_operator, &contain_automatic}) v->sort();
  }
};

json section_json(const Scorecard::Tally& t, const std::map<std::string, Counts>& missing_by_control,
                  const SectionValues& v) {
  json exposure = {{"sensitive_outputs", t.sensitive},
                   {"redacted", t.redacted},
                   {"withheld", t.withheld},
                   {"passed", t.passed},
                   {"exposure_rate", share(t.sensitive, t.calls)},
                   {"withheld_share", share(t.withheld, t.sensitive)},
                   {"redactions", t.redactions}};
  json blocked = {{"denied_syscalls", t.denied_syscalls},
                  {"denied_by_syscall", t.denied_by_syscall},
                  {"violations", t.violations},
                  {"forbidden_requests", count_of(t.refused, "forbidden")},
                  {"limit_kills", t.limit_kills},
                  {"limit_kills_total", total_of(t.limit_kills)},
                  {"injection_flags", t.injection_flags},
                  {"withheld_outputs", t.withheld_outputs}};
  json coverage = {{"sandboxed_calls", t.sandboxed},
                   {"full", t.full_coverage},
                   {"required", t.required_coverage},
                   {"full_coverage_share", share(t.full_coverage, t.sandboxed)},
                   {"required_coverage_share", share(t.required_coverage, t.sandboxed)},
                   {"missing", missing_by_control}};
  std::uint64_t op_count = t.operator_contain_count, op_sum = t.operator_contain_us_sum;
  json contain = timing(t.contain_count, t.contain_us_sum, v.contain);
  contain["operator"] = timing(op_count, op_sum, v.contain_operator);
  contain["automatic"] = timing(t.contain_count - op_count, t.contain_us_sum - op_sum, v.contain_automatic);
  json latency = {{"setup", timing(t.setup_count, t.setup_us_sum, v.setup)},
                  {"call", timing(t.calls, t.call_us_sum, v.call)},
                  {"queue", timing(t.calls, t.queue_us_sum, v.queue)}};
  return {{"calls", t.calls},   {"by_outcome", t.by_outcome}, {"exposure", exposure}, {"blocked", blocked},
          {"refused", t.refused}, {"coverage", coverage},    {"contain", contain},   {"latency", latency}};
}

// ---------------------------------------------------------------- Prometheus text

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, res.ptr);
}

std::string escape_label(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const Labels& labels, const std::string& value) {
    text_ += name;
    if (!labels.empty()) {
      text_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i)
        text_ += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
      text_ += '}';
    }
    text_ += ' ' + value + '\n';
  }
  void sample(const std::string& name, const Labels& labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  void counts(const char* name, const char* label, const Counts& c) {
    for (const auto& [k, n] : c) sample(name, {{label, k}}, n);
  }
  // A summary in seconds from microsecond values.
  void summary(const char* name, const char* help, const Values& v, std::uint64_t count, std::uint64_t sum_us) {
    family(name, "summary", help);
    for (std::size_t p : kPercents) {
      double q = static_cast<double>(p) / 100.0;
      double value = v.us.empty() ? std::numeric_limits<double>::quiet_NaN()
                                  : static_cast<double>(percentile(v.us, p)) / 1e6;
      sample(name, {{"quantile", number(q)}}, number(value));
    }
    sample(std::string(name) + "_sum", {}, number(static_cast<double>(sum_us) / 1e6));
    sample(std::string(name) + "_count", {}, count);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

// ---------------------------------------------------------------- Scorecard

void Scorecard::Window::add(const Sample& s) {
  ring_[next_] = s;
  next_ = (next_ + 1) % kWindow;
  if (size_ < kWindow) ++size_;
}

std::uint16_t Scorecard::intern(std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<std::uint16_t>(i);
  if (names.size() < kMaxKeys) {
    names.push_back(name);
    return static_cast<std::uint16_t>(names.size() - 1);
  }
  for (std::size_t i = kMaxKeys; i < names.size(); ++i)
    if (names[i] == kOtherKey) return static_cast<std::uint16_t>(i);
  names.push_back(kOtherKey);  // kMaxKeys + 1 names at most
  return static_cast<std::uint16_t>(names.size() - 1);
}

bool Scorecard::record_call(const CallRecord& call) {
  if (call.result == nullptr) return false;
  const Result& r = *call.result;
  std::lock_guard lock(mu_);
  std::uint16_t tenant = intern(tenant_names_, call.tenant), tool = intern(tool_names_, call.tool);
  Tally& t = tallies_[tenant_names_[tenant]][tool_names_[tool]];

  ++t.calls;
  bump(t.by_outcome, outcome_name(r.outcome));

  const OutputFilterSummary& f = r.filter;
  std::uint64_t findings = total_of(f.redactions);
  if (findings > 0 || (!f.data_class.empty() && f.data_class != "public")) {
    ++t.sensitive;
    if (f.withheld)
      ++t.withheld;
    else if (findings > 0 && f.redacted)
      ++t.redacted;
    else
      ++t.passed;
  }
  for (const auto& [rule, n] : f.redactions) bump(t.redactions, rule, n);
  if (f.withheld) ++t.withheld_outputs;
  if (f.injection_suspected) ++t.injection_flags;

  for (const Denial& d : r.denials) {
    t.denied_syscalls += d.count;
    bump(t.denied_by_syscall, d.syscall, d.count);
  }
  if (r.outcome == Outcome::Violation) ++t.violations;
  if (is_limit_outcome(r.outcome)) bump(t.limit_kills, r.limit_hit.empty() ? "unknown" : r.limit_hit);

  for (const Control& c : r.controls)
    if (!c.applied) bump(t.missing, c.name);
  bool sandboxed = r.outcome != Outcome::SetupError;
  if (sandboxed) {
    ++t.sandboxed;
    if (full_coverage(r)) ++t.full_coverage;
    if (required_coverage(r, call.required_controls)) ++t.required_coverage;
    ++t.setup_count;
    t.setup_us_sum += r.setup_us;
    setup_.add({tenant, tool, false, r.setup_us});
  }

  if (r.contain_us > 0) {
    ++t.contain_count;
    t.contain_us_sum += r.contain_us;
    if (call.operator_kill) {
      ++t.operator_contain_count;
      t.operator_contain_us_sum += r.contain_us;
    }
    contain_.add({tenant, tool, call.operator_kill, r.contain_us});
  }
  t.call_us_sum += call.total_us;
  t.queue_us_sum += call.queued_us;
  call_.add({tenant, tool, false, call.total_us});
  queue_.add({tenant, tool, false, call.queued_us});
  return true;
}

void Scorecard::record_refusal(const std::string& code, const std::string& tenant, const std::string& tool) {
  std::lock_guard lock(mu_);
  std::uint16_t ti = intern(tenant_names_, tenant), to = intern(tool_names_, tool);
  bump(tallies_[tenant_names_[ti]][tool_names_[to]].refused, code);
}

json Scorecard::to_json(const std::optional<std::string>& tenant_only) const {
  std::lock_guard lock(mu_);
  auto included = [&](const std::string& tenant) { return !tenant_only || *tenant_only == tenant; };

  Tally overall;
  std::map<std::string, Tally> by_tool;
  std::map<std::string, Counts> missing;  // control -> tool -> count
  for (const auto& [tenant, tools] : tallies_) {
    if (!included(tenant)) continue;
    for (const auto& [tool, t] : tools) {
      add_tally(overall, t);
      if (!tool.empty()) add_tally(by_tool[tool], t);
      for (const auto& [control, n] : t.missing) bump(missing[control], tool, n);
    }
  }

  SectionValues all;
  std::map<std::string, SectionValues> tool_values;
  auto collect = [&](const Window& w, Values SectionValues::*field) {
    for (const Sample& s : w.samples()) {
      if (!included(tenant_names_[s.tenant])) continue;
      (all.*field).us.push_back(s.us);
      (tool_values[tool_names_[s.tool]].*field).us.push_back(s.us);
      if (field != &SectionValues::contain) continue;
      auto split = s.operator_kill ? &SectionValues::contain_operator : &SectionValues::contain_automatic;
      (all.*split).us.push_back(s.us);
      (tool_values[tool_names_[s.tool]].*split).us.push_back(s.us);
    }
  };
  collect(setup_, &SectionValues::setup);
  collect(call_, &SectionValues::call);
  collect(queue_, &SectionValues::queue);
  collect(contain_, &SectionValues::contain);
  all.sort();
  for (auto& [tool, v] : tool_values) v.sort();

  json out = section_json(overall, missing, all);
  json tools = json::object();
  for (const auto& [tool, t] : by_tool) {
    std::map<std::string, Counts> tool_missing;
    for (const auto& [control, n] : t.missing) tool_missing[control][tool] = n;
    tools[tool] = section_json(t, tool_missing, tool_values[tool]);
  }
  out["by_tool"] = std::move(tools);
  out["window"] = kWindow;
  return out;
}

std::string Scorecard::prometheus(std::size_t running, std::size_t queued, double uptime_s) const {
  std::lock_guard lock(mu_);
  Tally all;
  std::map<std::string, Tally> by_tool;
  for (const auto& [tenant, tools] : tallies_)
    for (const auto& [tool, t] : tools) {
      add_tally(all, t);
      add_tally(by_tool[tool], t);
    }
  auto values = [](const Window& w) {
    Values v;
    for (const Sample& s : w.samples()) v.us.push_back(s.us);
    v.sort();
    return v;
  };

  Exposition e;
  e.family("cordon_calls_total", "counter", "Finished tool calls, by tool and outcome.");
  for (const auto& [tool, t] : by_tool)
    for (const auto& [outcome, n] : t.by_outcome) e.sample("cordon_calls_total", {{"tool", tool}, {"outcome", outcome}}, n);

  e.family("cordon_sensitive_outputs_total", "counter",
           "Calls whose output carried sensitive findings, by tool and what was done (redacted, withheld, passed).");
  for (const auto& [tool, t] : by_tool) {
    if (t.sensitive == 0) continue;
    e.sample("cordon_sensitive_outputs_total", {{"tool", tool}, {"action", "redacted"}}, t.redacted);
    e.sample("cordon_sensitive_outputs_total", {{"tool", tool}, {"action", "withheld"}}, t.withheld);
    e.sample("cordon_sensitive_outputs_total", {{"tool", tool}, {"action", "passed"}}, t.passed);
  }

  e.family("cordon_redactions_total", "counter", "Sensitive findings in tool output (the filter's redactions), by rule id.");
  e.counts("cordon_redactions_total", "rule", all.redactions);

  e.family("cordon_denied_syscalls_total", "counter", "Denied syscalls made by tools, by syscall name.");
  e.counts("cordon_denied_syscalls_total", "syscall", all.denied_by_syscall);

  e.family("cordon_blocked_total", "counter", "Blocked attacks, by kind.");
  const std::pair<const char*, std::uint64_t> kinds[] = {
      {"denied_syscalls", all.denied_syscalls},
      {"violations", all.violations},
      {"forbidden_requests", count_of(all.refused, "forbidden")},
      {"limit_kills", total_of(all.limit_kills)},
      {"injection_flags", all.injection_flags},
      {"withheld_outputs", all.withheld_outputs}};
  for (const auto& [kind, n] : kinds) e.sample("cordon_blocked_total", {{"kind", kind}}, n);

  e.family("cordon_limit_kills_total", "counter", "Calls stopped by a limit, by limit.");
  e.counts("cordon_limit_kills_total", "limit", all.limit_kills);

  e.family("cordon_requests_refused_total", "counter", "Requests refused before running, by error code.");
  e.counts("cordon_requests_refused_total", "code", all.refused);

  e.family("cordon_control_missing_total", "counter", "Calls that ran or failed without a control, by tool and control.");
  for (const auto& [tool, t] : by_tool)
    for (const auto& [control, n] : t.missing) e.sample("cordon_control_missing_total", {{"tool", tool}, {"control", control}}, n);

  e.family("cordon_calls_sandboxed_total", "counter", "Calls that reached the sandbox (outcome other than setup_error).");
  e.sample("cordon_calls_sandboxed_total", {}, all.sandboxed);
  e.family("cordon_calls_full_coverage_total", "counter", "Sandboxed calls that applied every listed control.");
  e.sample("cordon_calls_full_coverage_total", {}, all.full_coverage);
  e.family("cordon_calls_required_coverage_total", "counter",
           "Sandboxed calls that applied every control their profile requires.");
  e.sample("cordon_calls_required_coverage_total", {}, all.required_coverage);

  e.summary("cordon_contain_seconds", "Time from a kill decision to the process tree gone.", values(contain_),
            all.contain_count, all.contain_us_sum);
  e.summary("cordon_setup_seconds", "Sandbox setup time, clone to execve.", values(setup_), all.setup_count,
            all.setup_us_sum);
  e.summary("cordon_call_seconds", "Call latency, request accepted to result ready.", values(call_), all.calls,
            all.call_us_sum);
  e.summary("cordon_queue_seconds", "Time calls waited in the queue.", values(queue_), all.calls, all.queue_us_sum);

  e.family("cordon_running_calls", "gauge", "Calls running now.");
  e.sample("cordon_running_calls", {}, static_cast<std::uint64_t>(running));
  e.family("cordon_queued_calls", "gauge", "Calls waiting in the queue now.");
  e.sample("cordon_queued_calls", {}, static_cast<std::uint64_t>(queued));
  e.family("cordon_uptime_seconds", "gauge", "Seconds since cordond started.");
  e.sample("cordon_uptime_seconds", {}, number(uptime_s));
  return e.take();
}

}  // namespace cordon::daemon
