// What this host offers, probed once at start (detect, never assume).
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace cordon {

struct CgroupLayout {
  int version = 0;            // 0 = no usable cgroups, 1 or 2
  // v2: the directory under which per-call cgroups are created.
  std::string v2_parent;
  // v1: per-controller parent directories ("" when not usable).
  std::string v1_memory;
  std::string v1_pids;
  std::string v1_cpu;         // cpu (bandwidth)
  std::string v1_cpuacct;     // cpuacct (usage)
  std::string why_unusable;   // when a controller is unusable, the reason
};

struct HostInfo {
  uid_t euid = 0;
  gid_t egid = 0;
  int landlock_abi = 0;       // 0 = unavailable
  CgroupLayout cgroups;
  // Host ids the tool's inside uid/gid map to. Root: the unprivileged
  // overflow ids (65534) unless overridden; others: their own ids.
  uid_t host_uid = 65534;
  gid_t host_gid = 65534;
};

// Probes the running kernel and cgroup hierarchy. `cgroup_name` is the name
// of the directory under which per-call cgroups are made ("cordon").
HostInfo probe_host(const std::string& cgroup_name = "cordon");

// Removes per-call cgroups left behind by launchers that died (their
// directory names start with the launcher's pid). Returns how many.
int cleanup_stale_cgroups(const CgroupLayout& layout);

}  // namespace cordon
