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

// How one call runs (the caller's part); the profile says what it may do.
struct CallRequest {
  std::vector<std::string> argv;                           // argv[0] must be allowed by profile.exec
  std::optional<std::string> workdir;                      // host dir for ro/rw workspaces
  std::optional<std::string> stdin_path;                   // host file for stdin (else /dev/null)
  std::optional<std::string> stdin_data;                   // literal stdin (alternative to stdin_path)
  std::vector<std::pair<std::string, std::string>> env;    // names must be in profile.env.pass
  std::optional<std::uint64_t> wall_time_ms;               // may only narrow the profile's
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
  // Called from run_plan's thread with each chunk of captured output
  // (stream 1 = stdout, 2 = stderr), as it arrives, within the caps.
  std::function<void(int stream, std::string_view chunk)> on_output;
  // Called once the sandbox is set up and the tool is starting.
  std::function<void()> on_started;
  // Test-only fault injection: skip a named control. Never set in production
  // code; the adversarial suite uses it to prove it can fail.
  std::string test_skip_control;
};

Result run_plan(const SpawnPlan& plan, const RunOptions& opts = {});

// A Result for a call that never reached the sandbox (bad request, bad
// profile): outcome setup_error with the given step and detail.
Result setup_error_result(const std::string& step, const std::string& detail,
                          const Profile* profile);

}  // namespace cordon
