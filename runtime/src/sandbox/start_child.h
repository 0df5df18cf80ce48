// start_child(): the parent's half of starting a sandbox, shared by the cold
// path (run_plan) and the warm pool (prepare_warm): channels, the call's
// cgroup (limits written before the tool exists), rlimit fallbacks, clone3,
// uid/gid maps, cgroup membership, then "go".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

#include "child/child_spec.h"
#include "cordon/result.h"
#include "cordon/spawner.h"
#include "sandbox/cgroup.h"
#include "sandbox/plan_internal.h"

namespace cordon {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A started child: the parent's ends of its channels.
struct StartedChild {
  pid_t pid = -1;
  Fd pidfd;
  Fd status;  // SEQPACKET (both directions)
  Fd out_r;   // non-blocking read ends
  Fd err_r;
  std::uint64_t t0_ns = 0;  // CLOCK_MONOTONIC just before clone3
  std::unique_ptr<CallCgroup> cgroup;
};

// Where stdin comes from (the plan's file, data through a pipe, or
// /dev/null): `child_end` goes to the tool, `feed` is the non-blocking write
// end when the plan has stdin data. Returns "" or what failed (step
// "stdin" or "channels"), with errno in `err`.
std::string open_stdin(const SpawnPlan& plan, Fd& child_end, Fd& feed, int& err);

// Starts the child for `plan` with `spec` (a per-call copy: its channel
// fields are filled in here, and rlimit fallbacks added when a cgroup
// controller is missing). Appends the cgroup controls (and fallbacks) to
// r.controls and enforces plan.required. `skip` is the test-only control
// switch ("cgroup" skips the cgroup). On failure returns false with r set
// to a setup_error (step, errno, detail); nothing is left running.
// `spawner` (may be null) makes the clone (cordon/spawner.h); when it is
// null or gone the clone happens here.
bool start_child(const SpawnPlan& plan, child::ChildSpec& spec, unsigned long clone_flags, const std::string& skip,
                 Spawner* spawner, Result& r, StartedChild& out);

// r as a setup_error at `step`.
Result& setup_failed(Result& r, const std::string& step, int err, const std::string& what);

}  // namespace cordon
