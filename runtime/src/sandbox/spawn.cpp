// run_plan(): the output filter, stdin, then a child (started cold, or a
// warm sandbox handed the call), then supervise().
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "child/call_message.h"
#include "child/child_spec.h"
#include "cordon/sandbox.h"
#include "output/output_stage.h"
#include "sandbox/fsutil.h"
#include "sandbox/plan_internal.h"
#include "sandbox/start_child.h"
#include "sandbox/supervise.h"
#include "sandbox/warm.h"

namespace cordon {
namespace {

void mark_skipped(Result& r, const std::string& name) {
  for (auto& c : r.controls)
    if (c.name == name) {
      c.applied = false;
      c.detail = "skipped by a test switch";
    }
}

}  // namespace

Result setup_error_result(const std::string& step, const std::string& detail, const Profile* profile) {
  Result r;
  r.outcome = Outcome::SetupError;
  r.setup_step = step;
  r.detail = detail;
  if (profile) {
    r.profile_name = profile->name;
    r.profile_version = profile->version;
    r.profile_sha256 = profile->content_sha256;
    r.dangerous_opt_ins = profile->dangerous_opt_ins();
  }
  return r;
}

Result run_plan(const SpawnPlan& plan, const RunOptions& opts) { return run_plan(plan, opts, WarmPtr{}); }

Result run_plan(const SpawnPlan& plan, const RunOptions& opts, WarmPtr warm) {
  const Profile& prof = *plan.profile;
  Result r = setup_error_result("spawn", "", &prof);
  r.controls = plan.controls;
  r.secrets = plan.granted;
  const std::string& skip = opts.test_skip_control;
  // Test switches change the sandbox: never served warm.
  if (warm && (!skip.empty() || warm->key != warm_key(plan))) warm.reset();

  // The output filter (before anything can be printed).
  std::unique_ptr<OutputStage> output;
  try {
    output = std::make_unique<OutputStage>(plan.rules, prof.output, plan.guarded);
  } catch (const std::exception& e) {
    return setup_failed(r, "output_filter", 0, std::string("cannot set up the output filter: ") + e.what());
  }

  Fd in_child, in_feed;
  int err = 0;
  std::string step = open_stdin(plan, in_child, in_feed, err);
  if (!step.empty())
    return setup_failed(r, step, err, step == "stdin" ? "cannot open stdin" + (plan.stdin_path ? " file '" + *plan.stdin_path + "'" : std::string()) : "pipe");

  StartedChild c;
  if (warm && hand_over(*warm, plan, in_child.get())) {
    // The warm sandbox's controls were decided when it was built.
    r.controls = plan.controls;
    r.controls.insert(r.controls.end(), warm->cgroup_controls.begin(), warm->cgroup_controls.end());
    c = std::move(warm->child);
    warm->child.pid = -1;  // ours now: the sandbox's destructor must not kill it
    c.t0_ns = warm->handed_ns;
    r.warm = true;
    warm.reset();
  } else {
    warm.reset();  // a sandbox that could not take the call is dropped
    child::ChildSpec spec = plan.spec;  // per-call copy: channels and fallbacks
    unsigned long clone_flags = plan.clone_flags;
    // Test-only fault injection (the adversarial suite proves it can fail).
    if (skip == "seccomp") spec.seccomp = false;
    if (skip == "landlock") spec.landlock_abi = 0;
    if (skip == "capabilities") spec.skip_caps = true;
    if (skip == "no_new_privs") spec.skip_no_new_privs = true;
    if (skip == "net_ns") {
      clone_flags &= ~static_cast<unsigned long>(CLONE_NEWNET);
      spec.loopback = false;
    }
    if (!skip.empty()) mark_skipped(r, skip);
    spec.stdin_fd = in_child.get();
    if (!start_child(plan, spec, clone_flags, skip, opts.spawner.get(), r, c)) return r;
  }
  in_child.reset();

  Supervised s;
  s.pid = c.pid;
  s.pidfd = c.pidfd.release();
  s.t0_ns = c.t0_ns;
  s.cgroup = c.cgroup.get();
  s.output = output.get();
  s.cancel_fd = opts.cancel_fd;
  s.opts = &opts;
  if (plan.limits.disk_bytes > 0)
    for (const auto& path : plan.disk_watch) s.disk_free_at_start.emplace_back(path, free_bytes(path));
  s.status_fd = c.status.release();
  s.stdout_fd = c.out_r.release();
  s.stderr_fd = c.err_r.release();
  s.stdin_fd = in_feed.release();
  s.stdin_data = plan.stdin_data ? &*plan.stdin_data : nullptr;
  supervise(plan, s, r);
  if (c.cgroup) c.cgroup->destroy();
  return r;
}

}  // namespace cordon
