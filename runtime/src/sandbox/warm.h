// A warm sandbox: a child started from a plan that did every setup step up
// to Landlock and is parked until a call is handed over (call_message.h).
// prepare_warm() builds one; run_plan(plan, opts, warm) uses it once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cordon/result.h"
#include "cordon/sandbox.h"
#include "sandbox/start_child.h"

namespace cordon {

struct WarmSandbox {
  std::string key;                      // warm_key() of the plan it was built from
  StartedChild child;                   // parked; its cgroup holds it
  std::vector<Control> cgroup_controls; // controls added while starting (cgroup, rlimit fallbacks)
  std::uint64_t ready_ns = 0;           // when it parked
  std::uint64_t handed_ns = 0;          // when it was handed a call (0: not yet)

  WarmSandbox() = default;
  WarmSandbox(const WarmSandbox&) = delete;
  WarmSandbox& operator=(const WarmSandbox&) = delete;
  // An unused (or half-used) child is killed and reaped, its cgroup removed.
  ~WarmSandbox();
};

// Sends the call (the plan's executable, argv, env, and `stdin_fd`) to the
// parked child. False when it cannot (the child died, the call is too
// large): the caller drops the sandbox and runs cold.
bool hand_over(WarmSandbox& w, const SpawnPlan& plan, int stdin_fd);

}  // namespace cordon
