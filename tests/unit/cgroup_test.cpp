// Cgroup detection on v1, v2 and hybrid hosts (this CI host has only v1
// controllers; the v2 choice is tested on recorded layouts).
#include <gtest/gtest.h>
#include "sandbox/cgroup_layout.h"

namespace cordon {
namespace {

const char* kHybridMountinfo =
    "30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "33 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
const char* kHybridCgroup = "0::/user.slice\n4:memory:/jobs/a\n3:pids:/\n2:cpu,cpuacct:/x\n";

TEST(CgroupLayout, HybridWithoutV2ControllersUsesV1) {
  auto l = parse_cgroup_layout(kHybridMountinfo, kHybridCgroup, [](const std::string&) { return ""; }, "cordon");
  EXPECT_EQ(l.version, 1);
  EXPECT_EQ(l.v1_memory, "/sys/fs/cgroup/memory/jobs/a/cordon");
  EXPECT_EQ(l.v1_pids, "/sys/fs/cgroup/pids/cordon");
  EXPECT_EQ(l.v1_cpu, "/sys/fs/cgroup/cpu,cpuacct/x/cordon");
  EXPECT_EQ(l.v1_cpuacct, l.v1_cpu);
}

TEST(CgroupLayout, UnifiedWithControllersUsesV2) {
  const char* mi = "31 25 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  auto l = parse_cgroup_layout(mi, "0::/system.slice/cordond.service\n",
                               [](const std::string& p) {
                                 return p == "/sys/fs/cgroup/cgroup.controllers" ? "cpuset cpu io memory pids" : "";
                               },
                               "cordon");
  EXPECT_EQ(l.version, 2);
  EXPECT_EQ(l.v2_parent, "/sys/fs/cgroup/system.slice/cordond.service");
}

TEST(CgroupLayout, CgroupNamespaceRootIsHandled) {
  const char* mi = "31 25 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  auto l = parse_cgroup_layout(mi, "0::/\n", [](const std::string&) { return "memory pids"; }, "cordon");
  EXPECT_EQ(l.version, 2);
  EXPECT_EQ(l.v2_parent, "/sys/fs/cgroup");
}

TEST(CgroupLayout, NothingUsable) {
  auto l = parse_cgroup_layout("", "", [](const std::string&) { return ""; }, "cordon");
  EXPECT_EQ(l.version, 0);
  EXPECT_FALSE(l.why_unusable.empty());
}

}  // namespace
}  // namespace cordon
