// Where per-call cgroups go, from /proc/self/mountinfo and /proc/self/cgroup
// (a pure function, so that v1, v2 and hybrid hosts can be tested anywhere).
#pragma once

#include <functional>
#include <string>

#include "cordon/host.h"

namespace cordon {

// v2 is chosen when the unified hierarchy offers memory, pids or cpu;
// otherwise the v1 memory/pids/cpu/cpuacct hierarchies; otherwise none.
// `read_file` reads a cgroup file (cgroup.controllers).
CgroupLayout parse_cgroup_layout(const std::string& mountinfo, const std::string& proc_cgroup,
                                 const std::function<std::string(const std::string&)>& read_file,
                                 const std::string& name);

}  // namespace cordon
