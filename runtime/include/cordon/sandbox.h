// Running one call in a fresh sandbox.
//
//   request + profile + host  --make_plan-->  SpawnPlan  --run_plan-->  Result
//
// make_plan() decides everything that can be decided before clone (paths,
// environment, executable, seccomp program, Landlock rules, cgroup limits)
// and returns errors as values. run_plan() builds the sandbox, runs the tool
// under supervision and always returns a Result (setup failures included).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cordon/host.h"
#include "cordon/profile.h"
#include "cordon/result.h"

namespace cordon {

class RuleSet;  // cordon/filter.h
class Spawner;  // cordon/spawner.h

// A value that must never appear in what the call returns (a credential
// injected into it): the output filter matches it raw and encoded.
struct GuardedValue {
  std::string name;   // reported as rule "exact:<name>"
  std::string value;  // at least 4 bytes
};

// The value of a secret the profile grants, supplied by the caller (the
// daemon's secret store, or `cordon run --secrets`). make_plan delivers it
// as the profile's grant says and guards it in the output filter.
struct SecretValue {
  std::string name;         // a name in profile.secrets
  std::string value;        // at least 4 bytes, no NUL for env delivery
  std::string fingerprint;  // short keyed fingerprint for the record (never the value)
};

// How one call runs (the caller's part); the profile says what it may do.
struct CallRequest {
  std::vector<std::string> argv;                           // argv[0] must be allowed by profile.exec
  std::optional<std::string> workdir;                      // host dir for ro/rw workspaces
  std::optional<std::string> stdin_path;                   // host file for stdin (else /dev/null)
  std::optional<std::string> stdin_data;                   // literal stdin (alternative to stdin_path)
  std::vector<std::pair<std::string, std::string>> env;    // names must be in profile.env.pass
  std::optional<std::uint64_t> wall_time_ms;               // may only narrow the profile's
  // The compiled output-filter rules for the profile (FilterRulesCache).
  // Required: nothing a tool prints leaves unfiltered.
  std::shared_ptr<const RuleSet> rules;
  std::vector<GuardedValue> guarded;
  // Values for the profile's secret grants. Only these are delivered: a
  // caller narrows the grant by leaving names out; a name the profile does
  // not grant is a plan error. Buffers holding values are wiped when the
  // plan is destroyed.
  std::vector<SecretValue> secrets;
};

struct PlanError {
  std::string field;   // "argv[0]", "workdir", "env.FOO", ...
  std::string reason;
  std::string to_string() const;
};

struct SpawnPlan;  // opaque: built by make_plan, consumed by run_plan
struct PlanDeleter { void operator()(SpawnPlan*) const; };
using PlanPtr = std::unique_ptr<SpawnPlan, PlanDeleter>;

struct PlanOutcome {
  PlanPtr plan;                    // null when errors is non-empty
  std::vector<PlanError> errors;   // all problems at once
  bool ok() const { return plan != nullptr; }
};

PlanOutcome make_plan(std::shared_ptr<const Profile> profile, const CallRequest& req,
                      const HostInfo& host);

struct RunOptions {
  // When this fd becomes readable the call is killed (outcome Killed).
  int cancel_fd = -1;
  // Called from run_plan's thread with each chunk of filtered output
  // (stream 1 = stdout, 2 = stderr), as it arrives, within the caps. Not
  // called at all when the profile may withhold output (max_data_class
  // below restricted, or injection "withhold"): the final Result then
  // carries the output (result.filter.streamed = false).
  std::function<void(int stream, std::string_view chunk)> on_output;
  // Called once the sandbox is set up and the tool is starting.
  std::function<void()> on_started;
  // Test-only fault injection: skip a named control. Never set in production
  // code; the adversarial suite uses it to prove it can fail.
  std::string test_skip_control;
  // Optional: the process that makes the clone (cordon/spawner.h). A
  // long-lived multi-threaded launcher should pass one; without it the
  // sandbox is cloned from the calling process.
  std::shared_ptr<Spawner> spawner;
};

Result run_plan(const SpawnPlan& plan, const RunOptions& opts = {});

// Warm sandboxes (the warm pool, cordon/warm_pool.h).
//
// A warm sandbox is built from a plan ahead of demand: namespaces, cgroup,
// id maps, the whole root, hostname, loopback, dropped privileges, rlimits,
// no_new_privs and Landlock; it then waits for the call. Handing it a call
// sends only the executable, argv, env and stdin; it sets up stdio, installs
// seccomp and execs. A warm sandbox serves exactly one call.
struct WarmSandbox;  // src/sandbox/warm.h
struct WarmDeleter { void operator()(WarmSandbox*) const; };
using WarmPtr = std::unique_ptr<WarmSandbox, WarmDeleter>;

// Plans with equal keys may use each other's warm sandboxes: the key covers
// everything a warm sandbox has already applied (profile content, ids,
// mounts including the workspace, limits, Landlock rules, the seccomp
// program, namespaces), not argv, env, stdin or the wall-time limit. ""
// when the plan cannot be served warm (it writes secret files).
std::string warm_key(const SpawnPlan& plan);

struct WarmOutcome {
  WarmPtr sandbox;    // null on failure
  std::string error;  // "<step>: <detail>"
};
// Builds a warm sandbox for `plan` and waits (up to timeout_ms) until it is
// parked. Blocking; call it off the request path.
// `spawner` (may be null) makes the clone, as RunOptions::spawner.
WarmOutcome prepare_warm(const SpawnPlan& plan, int timeout_ms = 10000, Spawner* spawner = nullptr);
// Whether the parked child is still alive and waiting.
bool warm_usable(const WarmSandbox& w);

// run_plan with a warm sandbox for this plan (warm_key equal), which it
// consumes. Falls back to a cold start, and says so (result.warm false),
// if the sandbox cannot take the call.
Result run_plan(const SpawnPlan& plan, const RunOptions& opts, WarmPtr warm);

// A Result for a call that never reached the sandbox (bad request, bad
// profile): outcome setup_error with the given step and detail.
Result setup_error_result(const std::string& step, const std::string& detail,
                          const Profile* profile);

}  // namespace cordon
