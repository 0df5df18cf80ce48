// A per-call cgroup (v2, or the v1 memory/pids/cpu/cpuacct controllers),
// detected at run time. Limits are written before the tool starts; usage and
// limit events are read while it runs and after; the group is killed and
// removed when the call ends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "cordon/host.h"
#include "cordon/result.h"

namespace cordon {

struct CgroupLimits {
  std::uint64_t memory_bytes = 0;  // 0 = none
  std::uint64_t pids = 0;
  double cpu_cores = 0;
};

class CallCgroup {
 public:
  // Creates the group(s) and writes the limits. Appends one Control per
  // controller (cgroup_memory, cgroup_pids, cgroup_cpu) saying whether it
  // was applied. Returns null if no controller could be used.
  static std::unique_ptr<CallCgroup> create(const CgroupLayout& layout, const std::string& name,
                                            const CgroupLimits& limits, std::vector<Control>& controls);
  ~CallCgroup();
  CallCgroup(const CallCgroup&) = delete;
  CallCgroup& operator=(const CallCgroup&) = delete;

  // Moves a process (before it runs the tool) into every group. errno on failure.
  int attach(pid_t pid);
  // SIGKILL to every process in the group: one write on v2 (cgroup.kill);
  // on v1 a kill per listed pid.
  void kill_all();
  // Removes the cpu_cores bandwidth limit. Called when the call is killed:
  // a killed process runs no more user code, and its exit (unmapping its
  // memory) is charged to the group, so a throttled group would tear down
  // at the pace of its quota (a 1,000-process tree on one core took twice
  // as long as on two). No-op without a cpu limit.
  void lift_cpu_limit();
  // Whether kill_all() is the kernel's one-write cgroup.kill (v2).
  bool kill_is_atomic() const { return version_ == 2; }
  bool populated() const;
  std::uint64_t cpu_usage_ns() const;
  std::uint64_t peak_memory_bytes() const;
  std::uint64_t oom_kills() const;
  std::uint64_t pids_limit_hits() const;
  bool tracks_cpu() const;
  // Kills what is left, waits (bounded) until empty and removes the groups.
  void destroy();

 private:
  CallCgroup() = default;
  int version_ = 0;
  std::string v2_dir_;
  std::string mem_dir_, pids_dir_, cpu_dir_, cpuacct_dir_;  // v1
  std::vector<std::string> all_dirs() const;
  bool destroyed_ = false;
  bool cpu_limited_ = false;
};

}  // namespace cordon
