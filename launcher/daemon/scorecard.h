// The operations scorecard: what cordond's calls did, per tool and overall,
// as JSON (the `stats` op) and as Prometheus text (`format: "prometheus"`).
// Thread-safe (one mutex). Never sees output text or secret values: it
// takes results and reads only outcomes, counts, rule ids, control names
// and timings from them.
//
// Definitions (every counter is exact since the daemon started):
//   calls, by_outcome   finished calls, by Result::outcome name.
//   exposure            sensitive_outputs: calls whose filter found
//                       something (a redaction, or a data class other than
//                       "public"). Each one is exactly one of
//                         withheld  the output was withheld,
//                         redacted  not withheld, findings redacted,
//                         passed    neither (e.g. an "internal" class with
//                                   no redaction rule hit, or redaction
//                                   turned off with
//                                   dangerous_disable_redaction).
//                       exposure_rate = sensitive_outputs / calls;
//                       withheld_share = withheld / sensitive_outputs.
//                       redactions: rule id -> findings, summed from
//                       filter.redactions (withheld outputs included).
//   blocked             denied_syscalls: sum of Denial::count, and
//                       denied_by_syscall; violations: outcome violation;
//                       forbidden_requests: refusals with code "forbidden";
//                       limit_kills: outcomes timeout, memory_limit,
//                       pids_limit, output_limit, by Result::limit_hit
//                       ("unknown" when empty), and limit_kills_total;
//                       injection_flags: calls with
//                       filter.injection_suspected; withheld_outputs: every
//                       withheld output, sensitive or not (e.g. withheld
//                       for injection).
//   refused             refusal code -> count.
//   coverage            sandboxed_calls: calls with outcome other than
//                       setup_error. full: sandboxed calls that list at
//                       least one control and applied all of them.
//                       required: sandboxed calls that list at least one
//                       control and applied every control their profile
//                       requires (CallRecord::required_controls; one not
//                       listed counts as not applied) and every listed
//                       control that is not optional (not in
//                       optional_control_names()).
//                       The shares divide by sandboxed_calls (0 if none).
//                       missing: control -> tool -> count of results that
//                       list it with applied=false, setup errors included
//                       (a required control missing on the host ends as
//                       one).
//   contain             calls with Result::contain_us > 0 (kill decision to
//                       process tree gone: operator kills, limit and
//                       violation kills alike): count, mean_ms (exact), and
//                       p50/p95/p99 in ms; the same for "operator"
//                       (CallRecord::operator_kill) and "automatic".
//   latency             setup_ms: Result::setup_us of sandboxed calls;
//                       call_ms: CallRecord::total_us (accepted -> result);
//                       queue_ms: CallRecord::queued_us (accepted ->
//                       started). Each: count (exact), p50/p95/p99.
//
// Percentiles are nearest-rank over a window: the most recent
// kWindow (4096) samples of each metric, daemon-wide. A tool's or a
// tenant's percentiles use its samples among those. A percentile with no
// sample is null in JSON and NaN in Prometheus.
//
// Memory is bounded: windows are fixed rings, and each keyed map (tenants,
// tools, outcomes, codes, rule ids, syscalls, limits, controls) keeps at
// most kMaxKeys distinct keys; later new keys are counted under "_other".
// The server should pass an empty tool for refusals whose tool is not a
// known profile, so that callers cannot mint keys.
//
// Prometheus text format 0.0.4 (every family has HELP and TYPE; label
// values escape \ " and newline; times are seconds as floats):
//   cordon_calls_total{tool,outcome}                         counter
//   cordon_sensitive_outputs_total{tool,action}              counter
//       action = redacted | withheld | passed
//   cordon_redactions_total{rule}                            counter
//   cordon_denied_syscalls_total{syscall}                    counter
//   cordon_blocked_total{kind}                               counter
//       kind = denied_syscalls | violations | forbidden_requests |
//              limit_kills | injection_flags | withheld_outputs
//   cordon_limit_kills_total{limit}                          counter
//   cordon_requests_refused_total{code}                      counter
//   cordon_control_missing_total{tool,control}               counter
//   cordon_calls_sandboxed_total                             counter
//   cordon_calls_full_coverage_total                         counter
//   cordon_calls_required_coverage_total                     counter
//   cordon_contain_seconds, cordon_setup_seconds,
//   cordon_call_seconds, cordon_queue_seconds                summary
//       quantile = 0.5 | 0.95 | 0.99, plus _sum and _count
//   cordon_running_calls, cordon_queued_calls,
//   cordon_uptime_seconds                                    gauge
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/result.h"

namespace cordon::daemon {

// One finished call, as the server saw it.
struct CallRecord {
  std::string tool, tenant;
  const Result* result = nullptr;               // read during record_call only
  std::vector<std::string> required_controls;  // the profile's `require`
  bool operator_kill = false;   // stopped by a `kill` op or a disconnect
  std::uint64_t queued_us = 0;  // accepted -> started
  std::uint64_t total_us = 0;   // accepted -> result ready (call latency)
};

class Scorecard {
 public:
  static constexpr std::size_t kWindow = 4096;
  static constexpr std::size_t kMaxKeys = 256;

  // Counts one call. False (nothing counted) when call.result is null.
  bool record_call(const CallRecord& call);
  // Counts one refused request (forbidden, unknown_tool, busy,
  // invalid_request, bad_json, secret_unavailable, ...). `tenant` and
  // `tool` may be empty when unknown.
  void record_refusal(const std::string& code, const std::string& tenant, const std::string& tool);

  // The figures above for every tenant, or for one tenant only: the
  // overall section's fields at top level, plus "by_tool": {tool: section}
  // and "window": kWindow.
  nlohmann::json to_json(const std::optional<std::string>& tenant_only) const;
  // All tenants, in Prometheus text format 0.0.4, with the gauges given.
  std::string prometheus(std::size_t running, std::size_t queued, double uptime_s) const;

  // Exact counters for one (tenant, tool). Public so the renderers, which
  // live in scorecard.cpp, can take it; not part of the contract.
  struct Tally {
    std::uint64_t calls = 0;
    std::map<std::string, std::uint64_t> by_outcome;
    std::uint64_t sensitive = 0, withheld = 0, redacted = 0, passed = 0;
    std::map<std::string, std::uint64_t> redactions;  // rule id -> findings
    std::uint64_t denied_syscalls = 0;
    std::map<std::string, std::uint64_t> denied_by_syscall;
    std::uint64_t violations = 0;
    std::map<std::string, std::uint64_t> limit_kills;  // limit_hit -> count
    std::uint64_t injection_flags = 0;
    std::uint64_t withheld_outputs = 0;
    std::map<std::string, std::uint64_t> refused;  // code -> count
    std::uint64_t sandboxed = 0, full_coverage = 0, required_coverage = 0;
    std::map<std::string, std::uint64_t> missing;  // control -> count
    std::uint64_t contain_count = 0, contain_us_sum = 0;
    std::uint64_t operator_contain_count = 0, operator_contain_us_sum = 0;
    std::uint64_t setup_count = 0, setup_us_sum = 0;
    std::uint64_t call_us_sum = 0, queue_us_sum = 0;
  };

  // One windowed sample: who it belongs to (indices into names_) and its
  // value in microseconds.
  struct Sample {
    std::uint16_t tenant = 0;
    std::uint16_t tool = 0;
    bool operator_kill = false;
    std::uint64_t us = 0;
  };

  // The last kWindow samples of one metric. The ring is allocated and
  // zeroed whole when the daemon starts (64 KiB), so that its memory is part
  // of the idle footprint rather than growth over the first calls.
  class Window {
   public:
    Window() : ring_(new Sample[kWindow]()) {}
    void add(const Sample& s);
    std::span<const Sample> samples() const { return {ring_.get(), size_}; }

   private:
    std::unique_ptr<Sample[]> ring_;
    std::size_t size_ = 0;
    std::size_t next_ = 0;
  };

 private:
  std::uint16_t intern(std::vector<std::string>& names, const std::string& name);

  mutable std::mutex mu_;
  std::vector<std::string> tenant_names_, tool_names_;  // bounded by kMaxKeys + 1
  std::map<std::string, std::map<std::string, Tally>> tallies_;  // tenant -> tool -> tally
  Window setup_, call_, queue_, contain_;
};

}  // namespace cordon::daemon
