// The operations scorecard against a known sequence of calls: every figure
// of to_json (overall, per tool, per tenant) checked exactly, and the
// Prometheus text checked line by line and for format.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/scorecard.h"

namespace cordon::daemon {
namespace {

using json = nlohmann::json;

// The controls a plain call lists, all applied.
std::vector<Control> all_controls() {
  std::vector<Control> out;
  for (const char* name : {"user_ns", "pid_ns", "net_ns", "seccomp", "landlock", "cgroup_memory", "cgroup_pids"})
    out.push_back(Control{name, true, "detail " + std::string(name)});
  return out;
}

void set_applied(Result& r, const std::string& control, bool applied) {
  for (Control& c : r.controls)
    if (c.name == control) c.applied = applied;
}

struct Call {
  std::string tool, tenant;
  Result result;
  std::vector<std::string> required;
  bool operator_kill = false;
  std::uint64_t queued_us = 0, total_us = 0;
};

Call make_call(int i, const std::string& tool, const std::string& tenant, Outcome outcome) {
  Call c;
  c.tool = tool;
  c.tenant = tenant;
  c.result.outcome = outcome;
  c.result.controls = all_controls();
  c.result.filter.applied = true;
  c.result.setup_us = static_cast<std::uint64_t>(i) * 1000;
  c.total_us = static_cast<std::uint64_t>(i) * 10'000;
  c.queued_us = static_cast<std::uint64_t>(i) * 100;
  c.result.stdout_.data = "STDOUT-MARKER-" + std::to_string(i) + " AKIAIOSFODNN7EXAMPLE";
  c.result.stderr_.data = "STDERR-MARKER-" + std::to_string(i);
  c.result.detail = "DETAIL-MARKER-" + std::to_string(i);
  c.result.secrets.push_back(GrantedSecret{"SECRET-NAME-MARKER", "env:TOKEN", "FINGERPRINT-MARKER"});
  return c;
}

// 11 calls (sh for tenant alpha, python3 for tenant beta):
//  1 ok                       6 killed (operator, 4 ms), cgroup_pids missing and required
//  2 ok, 1 redaction          7 killed (operator, 6 ms)
//  3 ok, withheld             8 violation, ptrace x1, contained in 1 ms
//  4 ok, landlock off, inj.   9 violation, bpf x2, contained in 3 ms
//  5 killed (operator, 2 ms) 10 memory_limit, contained in 5 ms
//                            11 setup_error, landlock required and missing
// and refusals: forbidden (beta, sh), forbidden (unmapped), busy (alpha, sh),
// bad_json (alpha, no tool).
std::vector<Call> known_sequence() {
  std::vector<Call> calls;
  calls.push_back(make_call(1, "sh", "alpha", Outcome::Ok));

  Call c2 = make_call(2, "sh", "alpha", Outcome::Ok);
  c2.result.filter.redactions = {{"aws-access-key-id", 1}};
  c2.result.filter.data_class = "restricted";
  calls.push_back(c2);

  Call c3 = make_call(3, "python3", "beta", Outcome::Ok);
  c3.result.filter.redactions = {{"email", 2}};
  c3.result.filter.data_class = "confidential";
  c3.result.filter.withheld = true;
  c3.result.filter.withheld_reason = "data_class";
  calls.push_back(c3);

  Call c4 = make_call(4, "python3", "beta", Outcome::Ok);
  set_applied(c4.result, "landlock", false);
  c4.result.filter.injection_suspected = true;
  c4.result.filter.injection.push_back(InjectionFlag{"stdout", "override-ignore-previous", "override", 0, 10, 0.6, false});
  calls.push_back(c4);

  const std::uint64_t kill_us[] = {2000, 4000, 6000};
  const char* kill_tool[] = {"sh", "sh", "python3"};
  const char* kill_tenant[] = {"alpha", "alpha", "beta"};
  for (int k = 0; k < 3; ++k) {
    Call c = make_call(5 + k, kill_tool[k], kill_tenant[k], Outcome::Killed);
    c.operator_kill = true;
    c.result.contain_us = kill_us[k];
    c.result.signal = 9;
    calls.push_back(c);
  }
  set_applied(calls[5].result, "cgroup_pids", false);  // c6
  calls[5].required = {"cgroup_pids"};

  Call c8 = make_call(8, "sh", "alpha", Outcome::Violation);
  c8.result.denials.push_back(Denial{"ptrace", 101, "kill", 0, 1});
  c8.result.contain_us = 1000;
  calls.push_back(c8);

  Call c9 = make_call(9, "python3", "beta", Outcome::Violation);
  c9.result.denials.push_back(Denial{"bpf", 321, "kill", 0, 2});
  c9.result.contain_us = 3000;
  calls.push_back(c9);

  Call c10 = make_call(10, "sh", "alpha", Outcome::MemoryLimit);
  c10.result.limit_hit = "memory";
  c10.result.contain_us = 5000;
  c10.required = {"cgroup_memory"};
  calls.push_back(c10);

  Call c11 = make_call(11, "sh", "alpha", Outcome::SetupError);
  set_applied(c11.result, "landlock", false);
  c11.required = {"landlock"};
  c11.result.setup_us = 99'999'000;  // not a sandboxed call: not in setup figures
  calls.push_back(c11);
  return calls;
}

void feed(Scorecard& s, const std::vector<Call>& calls) {
  for (const Call& c : calls) {
    CallRecord rec{c.tool, c.tenant, &c.result, c.required, c.operator_kill, c.queued_us, c.total_us};
    ASSERT_TRUE(s.record_call(rec));
  }
  s.record_refusal("forbidden", "beta", "sh");
  s.record_refusal("forbidden", "", "");
  s.record_refusal("busy", "alpha", "sh");
  s.record_refusal("bad_json", "alpha", "");
}

class ScorecardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    calls_ = known_sequence();
    feed(card_, calls_);
  }
  std::vector<Call> calls_;
  Scorecard card_;
};

TEST_F(ScorecardTest, OverallFiguresAreExact) {
  json j = card_.to_json(std::nullopt);
  EXPECT_EQ(j["window"], 4096);
  EXPECT_EQ(j["calls"], 11);
  EXPECT_EQ(j["by_outcome"],
            (json{{"ok", 4}, {"killed", 3}, {"violation", 2}, {"memory_limit", 1}, {"setup_error", 1}}));

  const json& e = j["exposure"];
  EXPECT_EQ(e["sensitive_outputs"], 2);
  EXPECT_EQ(e["redacted"], 1);
  EXPECT_EQ(e["withheld"], 1);
  EXPECT_EQ(e["passed"], 0);
  EXPECT_DOUBLE_EQ(e["exposure_rate"].get<double>(), 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(e["withheld_share"].get<double>(), 0.5);
  EXPECT_EQ(e["redactions"], (json{{"aws-access-key-id", 1}, {"email", 2}}));

  const json& b = j["blocked"];
  EXPECT_EQ(b["denied_syscalls"], 3);
  EXPECT_EQ(b["denied_by_syscall"], (json{{"ptrace", 1}, {"bpf", 2}}));
  EXPECT_EQ(b["violations"], 2);
  EXPECT_EQ(b["forbidden_requests"], 2);
  EXPECT_EQ(b["limit_kills"], (json{{"memory", 1}}));
  EXPECT_EQ(b["limit_kills_total"], 1);
  EXPECT_EQ(b["injection_flags"], 1);
  EXPECT_EQ(b["withheld_outputs"], 1);
  EXPECT_EQ(j["refused"], (json{{"forbidden", 2}, {"busy", 1}, {"bad_json", 1}}));

  const json& cov = j["coverage"];
  EXPECT_EQ(cov["sandboxed_calls"], 10);
  EXPECT_EQ(cov["full"], 8);       // all but c4 (landlock) and c6 (cgroup_pids)
  EXPECT_EQ(cov["required"], 9);   // all but c6; c4's landlock is optional
  EXPECT_DOUBLE_EQ(cov["full_coverage_share"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(cov["required_coverage_share"].get<double>(), 0.9);
  EXPECT_EQ(cov["missing"], (json{{"landlock", {{"python3", 1}, {"sh", 1}}}, {"cgroup_pids", {{"sh", 1}}}}));

  // contain: 1 2 3 4 5 6 ms; operator 2 4 6; automatic 1 3 5.
  const json& c = j["contain"];
  EXPECT_EQ(c["count"], 6);
  EXPECT_DOUBLE_EQ(c["mean_ms"].get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(c["p50_ms"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(c["p95_ms"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(c["p99_ms"].get<double>(), 6.0);
  EXPECT_EQ(c["operator"]["count"], 3);
  EXPECT_DOUBLE_EQ(c["operator"]["mean_ms"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(c["operator"]["p50_ms"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(c["operator"]["p99_ms"].get<double>(), 6.0);
  EXPECT_EQ(c["automatic"]["count"], 3);
  EXPECT_DOUBLE_EQ(c["automatic"]["mean_ms"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(c["automatic"]["p50_ms"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(c["automatic"]["p99_ms"].get<double>(), 5.0);

  // setup: 1..10 ms (c11 is a setup error); call: 10..110 ms; queue: 0.1..1.1 ms.
  const json& l = j["latency"];
  EXPECT_EQ(l["setup"]["count"], 10);
  EXPECT_DOUBLE_EQ(l["setup"]["mean_ms"].get<double>(), 5.5);
  EXPECT_DOUBLE_EQ(l["setup"]["p50_ms"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(l["setup"]["p95_ms"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(l["setup"]["p99_ms"].get<double>(), 10.0);
  EXPECT_EQ(l["call"]["count"], 11);
  EXPECT_DOUBLE_EQ(l["call"]["mean_ms"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(l["call"]["p50_ms"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(l["call"]["p95_ms"].get<double>(), 110.0);
  EXPECT_DOUBLE_EQ(l["call"]["p99_ms"].get<double>(), 110.0);
  EXPECT_EQ(l["queue"]["count"], 11);
  EXPECT_DOUBLE_EQ(l["queue"]["p50_ms"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(l["queue"]["p99_ms"].get<double>(), 1.1);
}

TEST_F(ScorecardTest, PerToolFiguresAreExact) {
  json j = card_.to_json(std::nullopt);
  ASSERT_EQ(j["by_tool"].size(), 2u);
  const json& sh = j["by_tool"]["sh"];
  EXPECT_EQ(sh["calls"], 7);
  EXPECT_EQ(sh["by_outcome"],
            (json{{"ok", 2}, {"killed", 2}, {"violation", 1}, {"memory_limit", 1}, {"setup_error", 1}}));
  EXPECT_EQ(sh["exposure"]["sensitive_outputs"], 1);
  EXPECT_EQ(sh["exposure"]["redacted"], 1);
  EXPECT_EQ(sh["exposure"]["withheld"], 0);
  EXPECT_DOUBLE_EQ(sh["exposure"]["exposure_rate"].get<double>(), 1.0 / 7.0);
  EXPECT_EQ(sh["blocked"]["denied_by_syscall"], (json{{"ptrace", 1}}));
  EXPECT_EQ(sh["blocked"]["forbidden_requests"], 1);  // beta was refused sh
  EXPECT_EQ(sh["refused"], (json{{"forbidden", 1}, {"busy", 1}}));
  EXPECT_EQ(sh["coverage"]["sandboxed_calls"], 6);
  EXPECT_EQ(sh["coverage"]["full"], 5);
  EXPECT_EQ(sh["coverage"]["required"], 5);
  EXPECT_EQ(sh["coverage"]["missing"], (json{{"landlock", {{"sh", 1}}}, {"cgroup_pids", {{"sh", 1}}}}));
  EXPECT_EQ(sh["contain"]["count"], 4);  // 2 4 1 5 ms
  EXPECT_DOUBLE_EQ(sh["contain"]["mean_ms"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(sh["contain"]["p50_ms"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(sh["contain"]["p99_ms"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(sh["contain"]["automatic"]["mean_ms"].get<double>(), 3.0);

  const json& py = j["by_tool"]["python3"];
  EXPECT_EQ(py["calls"], 4);
  EXPECT_EQ(py["by_outcome"], (json{{"ok", 2}, {"killed", 1}, {"violation", 1}}));
  EXPECT_EQ(py["exposure"]["withheld"], 1);
  EXPECT_DOUBLE_EQ(py["exposure"]["withheld_share"].get<double>(), 1.0);
  EXPECT_EQ(py["blocked"]["denied_syscalls"], 2);
  EXPECT_EQ(py["blocked"]["injection_flags"], 1);
  EXPECT_EQ(py["blocked"]["forbidden_requests"], 0);
  EXPECT_EQ(py["coverage"]["full"], 3);
  EXPECT_EQ(py["coverage"]["required"], 4);
  EXPECT_DOUBLE_EQ(py["latency"]["setup"]["p50_ms"].get<double>(), 4.0);  // 3 4 7 9 ms
  EXPECT_DOUBLE_EQ(py["latency"]["setup"]["p99_ms"].get<double>(), 9.0);
}

TEST_F(ScorecardTest, TenantFilterShowsOnlyThatTenant) {
  json a = card_.to_json(std::string("alpha"));
  EXPECT_EQ(a["calls"], 7);
  ASSERT_EQ(a["by_tool"].size(), 1u);
  EXPECT_TRUE(a["by_tool"].contains("sh"));
  EXPECT_EQ(a["refused"], (json{{"busy", 1}, {"bad_json", 1}}));
  EXPECT_EQ(a["blocked"]["forbidden_requests"], 0);
  EXPECT_EQ(a["blocked"]["denied_syscalls"], 1);
  EXPECT_EQ(a["contain"]["count"], 4);
  EXPECT_DOUBLE_EQ(a["contain"]["p50_ms"].get<double>(), 2.0);  // 1 2 4 5 ms
  EXPECT_DOUBLE_EQ(a["latency"]["setup"]["p50_ms"].get<double>(), 5.0);  // 1 2 5 6 8 10 ms
  EXPECT_DOUBLE_EQ(a["latency"]["setup"]["p95_ms"].get<double>(), 10.0);
  EXPECT_EQ(a["by_tool"]["sh"]["refused"], (json{{"busy", 1}}));  // beta's forbidden sh is not alpha's

  json b = card_.to_json(std::string("beta"));
  EXPECT_EQ(b["calls"], 4);
  EXPECT_EQ(b["refused"], (json{{"forbidden", 1}}));
  EXPECT_EQ(b["exposure"]["withheld"], 1);
  EXPECT_EQ(b["by_tool"]["sh"]["calls"], 0);  // only the refusal
  EXPECT_EQ(b["by_tool"]["python3"]["calls"], 4);

  json none = card_.to_json(std::string("nobody"));
  EXPECT_EQ(none["calls"], 0);
  EXPECT_EQ(none["by_tool"], json::object());
  EXPECT_TRUE(none["contain"]["p50_ms"].is_null());
  EXPECT_TRUE(none["latency"]["call"]["mean_ms"].is_null());
  EXPECT_DOUBLE_EQ(none["exposure"]["exposure_rate"].get<double>(), 0.0);
}

TEST(ScorecardRules, SensitiveOutputIsExactlyOneOfWithheldRedactedPassed) {
  Scorecard s;
  auto record = [&](Result& r) {
    r.outcome = Outcome::Ok;
    CallRecord rec{"t", "x", &r, {}, false, 0, 0};
    ASSERT_TRUE(s.record_call(rec));
  };
  Result internal_only;  // class above public, nothing to redact: passed
  internal_only.filter.data_class = "internal";
  record(internal_only);
  Result unredacted;  // dangerous_disable_redaction: found, not redacted
  unredacted.filter.redactions = {{"github-token", 1}};
  unredacted.filter.redacted = false;
  record(unredacted);
  Result injection_withheld;  // withheld, but nothing sensitive
  injection_withheld.filter.withheld = true;
  injection_withheld.filter.withheld_reason = "injection";
  record(injection_withheld);
  Result plain;
  record(plain);

  json j = s.to_json(std::nullopt);
  EXPECT_EQ(j["exposure"]["sensitive_outputs"], 2);
  EXPECT_EQ(j["exposure"]["passed"], 2);
  EXPECT_EQ(j["exposure"]["redacted"], 0);
  EXPECT_EQ(j["exposure"]["withheld"], 0);
  EXPECT_EQ(j["blocked"]["withheld_outputs"], 1);
  EXPECT_DOUBLE_EQ(j["exposure"]["exposure_rate"].get<double>(), 0.5);
}

TEST(ScorecardRules, RequiredCoverageCountsMissingAlwaysRequiredAndUnlistedRequired) {
  Scorecard s;
  auto record = [&](std::vector<Control> controls, std::vector<std::string> required) {
    Result r;
    r.outcome = Outcome::Ok;
    r.controls = std::move(controls);
    CallRecord rec{"t", "x", &r, std::move(required), false, 0, 0};
    ASSERT_TRUE(s.record_call(rec));
  };
  record({{"net_ns", false, ""}, {"landlock", true, ""}}, {});      // always-required control missing
  record({{"net_ns", true, ""}}, {"landlock"});                      // required but not listed
  record({{"net_ns", true, ""}, {"clear_groups", false, ""}}, {});  // optional control missing: required ok
  record({}, {});                                                    // nothing listed: not covered
  json cov = s.to_json(std::nullopt)["coverage"];
  EXPECT_EQ(cov["sandboxed_calls"], 4);
  EXPECT_EQ(cov["required"], 1);
  EXPECT_EQ(cov["full"], 1);
  EXPECT_EQ(cov["missing"], (json{{"net_ns", {{"t", 1}}}, {"clear_groups", {{"t", 1}}}}));
}

TEST(ScorecardRules, NullResultIsNotCounted) {
  Scorecard s;
  CallRecord rec;
  rec.tool = "t";
  EXPECT_FALSE(s.record_call(rec));
  EXPECT_EQ(s.to_json(std::nullopt)["calls"], 0);
}

TEST(ScorecardRules, WindowKeepsTheLastSamplesAndCountersStayExact) {
  Scorecard s;
  Result r;
  r.outcome = Outcome::Ok;
  r.setup_us = 1000;
  const std::size_t n = Scorecard::kWindow + 100;
  for (std::size_t i = 0; i < n; ++i) {
    // The first 100 calls are slow; the window then holds only fast ones.
    CallRecord rec{"t", "x", &r, {}, false, 0, i < 100 ? 9'000'000u : 1000u};
    ASSERT_TRUE(s.record_call(rec));
  }
  json j = s.to_json(std::nullopt);
  EXPECT_EQ(j["calls"], n);
  EXPECT_EQ(j["latency"]["call"]["count"], n);
  EXPECT_DOUBLE_EQ(j["latency"]["call"]["p99_ms"].get<double>(), 1.0);
  std::string text = s.prometheus(0, 0, 1);
  EXPECT_NE(text.find("cordon_call_seconds_count " + std::to_string(n) + "\n"), std::string::npos);
}

TEST(ScorecardRules, KeyCountsAreBounded) {
  Scorecard s;
  Result r;
  r.outcome = Outcome::Ok;
  for (std::size_t i = 0; i < Scorecard::kMaxKeys + 50; ++i) {
    CallRecord rec{"tool-" + std::to_string(i), "x", &r, {}, false, 0, 0};
    ASSERT_TRUE(s.record_call(rec));
    s.record_refusal("code-" + std::to_string(i), "tenant-" + std::to_string(i), "tool-" + std::to_string(i));
  }
  json j = s.to_json(std::nullopt);
  EXPECT_EQ(j["calls"], Scorecard::kMaxKeys + 50);
  EXPECT_EQ(j["by_tool"].size(), Scorecard::kMaxKeys + 1);
  EXPECT_EQ(j["by_tool"]["_other"]["calls"], 50);
  EXPECT_EQ(j["refused"].size(), Scorecard::kMaxKeys + 1);
  EXPECT_EQ(j["refused"]["_other"], 50);
}

// ---------------------------------------------------------------- Prometheus

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text))
    if (l == line) return true;
  return false;
}

TEST_F(ScorecardTest, PrometheusFigures) {
  std::string t = card_.prometheus(3, 2, 12.5);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.back(), '\n');
  for (const char* line : {
           "# HELP cordon_calls_total Finished tool calls, by tool and outcome.",
           "# TYPE cordon_calls_total counter",
           "cordon_calls_total{tool=\"sh\",outcome=\"ok\"} 2",
           "cordon_calls_total{tool=\"sh\",outcome=\"setup_error\"} 1",
           "cordon_calls_total{tool=\"python3\",outcome=\"killed\"} 1",
           "cordon_sensitive_outputs_total{tool=\"sh\",action=\"redacted\"} 1",
           "cordon_sensitive_outputs_total{tool=\"python3\",action=\"withheld\"} 1",
           "cordon_redactions_total{rule=\"email\"} 2",
           "cordon_denied_syscalls_total{syscall=\"bpf\"} 2",
           "cordon_denied_syscalls_total{syscall=\"ptrace\"} 1",
           "cordon_blocked_total{kind=\"denied_syscalls\"} 3",
           "cordon_blocked_total{kind=\"violations\"} 2",
           "cordon_blocked_total{kind=\"forbidden_requests\"} 2",
           "cordon_blocked_total{kind=\"limit_kills\"} 1",
           "cordon_blocked_total{kind=\"injection_flags\"} 1",
           "cordon_blocked_total{kind=\"withheld_outputs\"} 1",
           "cordon_limit_kills_total{limit=\"memory\"} 1",
           "cordon_requests_refused_total{code=\"forbidden\"} 2",
           "cordon_requests_refused_total{code=\"bad_json\"} 1",
           "cordon_control_missing_total{tool=\"python3\",control=\"landlock\"} 1",
           "cordon_control_missing_total{tool=\"sh\",control=\"cgroup_pids\"} 1",
           "cordon_calls_sandboxed_total 10",
           "cordon_calls_full_coverage_total 8",
           "cordon_calls_required_coverage_total 9",
           "# TYPE cordon_contain_seconds summary",
           "cordon_contain_seconds{quantile=\"0.5\"} 0.003",
           "cordon_contain_seconds{quantile=\"0.99\"} 0.006",
           "cordon_contain_seconds_sum 0.021",
           "cordon_contain_seconds_count 6",
           "cordon_setup_seconds{quantile=\"0.5\"} 0.005",
           "cordon_setup_seconds_count 10",
           "cordon_call_seconds{quantile=\"0.95\"} 0.11",
           "cordon_call_seconds_sum 0.66",
           "cordon_call_seconds_count 11",
           "cordon_queue_seconds{quantile=\"0.5\"} 0.0006",
           "# TYPE cordon_running_calls gauge",
           "cordon_running_calls 3",
           "cordon_queued_calls 2",
           "cordon_uptime_seconds 12.5",
       })
    EXPECT_TRUE(has_line(t, line)) << "missing line: " << line << "\nin:\n" << t;
}

// Every sample line is `name{labels} value`, and belongs to a family
// declared (HELP then TYPE) once, before it.
void check_format(const std::string& text) {
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (NaN|[+-]Inf|-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)$)");
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$)");
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::string last_help;
  for (const auto& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
      last_help = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1].str(), last_help) << "TYPE without HELP just before: " << line;
      EXPECT_TRUE(types.emplace(m[1], m[2]).second) << "TYPE twice: " << line;
    } else if (std::regex_match(line, m, sample)) {
      std::string name = m[1];
      if (!types.count(name)) {
        for (const char* suffix : {"_sum", "_count"}) {
          std::string s = suffix;
          if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            std::string base = name.substr(0, name.size() - s.size());
            if (types.count(base) && types[base] == "summary") name = base;
          }
        }
      }
      EXPECT_TRUE(types.count(name)) << "sample without a declared family: " << line;
      if (name.ends_with("_total") && types.count(name)) {
        EXPECT_EQ(types[name], "counter") << line;
      }
    } else {
      ADD_FAILURE() << "line is not valid exposition format: '" << line << "'";
    }
  }
  for (const auto& h : helped) EXPECT_TRUE(types.count(h)) << "HELP without TYPE: " << h;
  EXPECT_EQ(types.size(), 18u);
}

TEST_F(ScorecardTest, PrometheusFormatIsValid) { check_format(card_.prometheus(3, 2, 12.5)); }

TEST(ScorecardPrometheus, EmptyScorecardIsValidWithNaNQuantiles) {
  Scorecard s;
  std::string t = s.prometheus(0, 0, 0.25);
  check_format(t);
  EXPECT_TRUE(has_line(t, "cordon_contain_seconds{quantile=\"0.5\"} NaN")) << t;
  EXPECT_TRUE(has_line(t, "cordon_contain_seconds_count 0")) << t;
  EXPECT_TRUE(has_line(t, "cordon_blocked_total{kind=\"violations\"} 0")) << t;
  EXPECT_TRUE(has_line(t, "cordon_uptime_seconds 0.25")) << t;
}

TEST(ScorecardPrometheus, LabelValuesAreEscaped) {
  Scorecard s;
  Result r;
  r.outcome = Outcome::Ok;
  CallRecord rec{"we\"ird\\tool\nx", "x", &r, {}, false, 0, 0};
  ASSERT_TRUE(s.record_call(rec));
  std::string t = s.prometheus(0, 0, 1);
  EXPECT_TRUE(has_line(t, R"(cordon_calls_total{tool="we\"ird\\tool\nx",outcome="ok"} 1)")) << t;
  check_format(t);
}

// The API never takes output text; nothing of the results' output, detail
// or secrets reaches either rendering.
TEST_F(ScorecardTest, NoOutputOrSecretReachesTheFigures) {
  std::string rendered = card_.to_json(std::nullopt).dump() + card_.to_json(std::string("alpha")).dump() +
                         card_.prometheus(0, 0, 1);
  for (const char* marker : {"STDOUT-MARKER", "STDERR-MARKER", "AKIAIOSFODNN7EXAMPLE", "DETAIL-MARKER",
                             "SECRET-NAME-MARKER", "FINGERPRINT-MARKER", "env:TOKEN", "detail user_ns"})
    EXPECT_EQ(rendered.find(marker), std::string::npos) << marker;
  // ... while the figures do reflect those calls.
  EXPECT_NE(rendered.find("aws-access-key-id"), std::string::npos);
}

}  // namespace
}  // namespace cordon::daemon
