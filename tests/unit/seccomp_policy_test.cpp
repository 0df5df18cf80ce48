#include <gtest/gtest.h>

#include <algorithm>

#include "sandbox/seccomp_policy.h"
#include "sandbox/syscall_names.h"

namespace cordon {
namespace {

bool denies(const SeccompPolicy& p, const std::string& name) {
  int nr = syscall_number(name);
  return p.by_nr.count(nr) != 0;
}

TEST(SeccompPolicy, DefaultListCoversTheEscapeClasses) {
  SeccompBuild b = build_seccomp_policy(Syscalls{});
  ASSERT_TRUE(b.errors.empty());
  for (const char* s : {"ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key", "bpf",
                        "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
                        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "mount",
                        "fsopen", "fsmount", "move_mount", "open_tree", "umount2", "pivot_root", "chroot", "unshare",
                        "setns", "clone", "open_by_handle_at", "name_to_handle_at", "ioctl", "personality", "acct",
                        "swapon", "swapoff", "reboot", "syslog", "settimeofday", "clock_settime", "clock_adjtime",
                        "adjtimex", "quotactl", "socket"})
    EXPECT_TRUE(denies(b.policy, s)) << s;
  EXPECT_FALSE(denies(b.policy, "read"));
  EXPECT_FALSE(denies(b.policy, "execve"));
  EXPECT_GT(b.policy.program.size(), 10u);
  EXPECT_LT(b.policy.program.size(), 400u) << "keep the filter short (start-up cost)";
}

TEST(SeccompPolicy, ActionsComeFromTheProfile) {
  Syscalls cfg;
  cfg.action = SyscallAction::Errno;
  cfg.errno_value = 13;
  SeccompBuild b = build_seccomp_policy(cfg);
  ASSERT_TRUE(b.errors.empty());
  const DenyRule& r = b.policy.by_nr.at(syscall_number("ptrace"));
  EXPECT_EQ(r.action, SyscallAction::Errno);
  EXPECT_EQ(r.errno_value, 13);
  // Socket families are always an errno (benign probing by libc).
  EXPECT_EQ(b.policy.by_nr.at(syscall_number("socket")).errno_value, 97);
}

TEST(SeccompPolicy, DenyAddsAndOverrides) {
  Syscalls cfg;
  cfg.deny.push_back(SyscallDeny{"connect", SyscallAction::Errno, 111});
  cfg.deny.push_back(SyscallDeny{"ptrace", SyscallAction::Errno, 1});
  SeccompBuild b = build_seccomp_policy(cfg);
  ASSERT_TRUE(b.errors.empty());
  EXPECT_EQ(b.policy.by_nr.at(syscall_number("connect")).errno_value, 111);
  EXPECT_EQ(b.policy.by_nr.at(syscall_number("ptrace")).action, SyscallAction::Errno);
}

TEST(SeccompPolicy, DangerousAllowRemovesFromTheDefaultList) {
  Syscalls cfg;
  cfg.dangerous_allow = {"ptrace"};
  SeccompBuild b = build_seccomp_policy(cfg);
  ASSERT_TRUE(b.errors.empty());
  EXPECT_FALSE(denies(b.policy, "ptrace"));
  EXPECT_TRUE(denies(b.policy, "bpf"));
}

TEST(SeccompPolicy, UnknownNamesAreErrors) {
  Syscalls cfg;
  cfg.deny.push_back(SyscallDeny{"not_a_syscall", std::nullopt, std::nullopt});
  cfg.dangerous_allow = {"read"};
  SeccompBuild b = build_seccomp_policy(cfg);
  ASSERT_EQ(b.errors.size(), 2u);
  EXPECT_NE(b.errors[0].find("dangerous_allow[0]"), std::string::npos) << b.errors[0];
  EXPECT_NE(b.errors[1].find("not_a_syscall"), std::string::npos) << b.errors[1];
}

TEST(SyscallNames, RoundTrip) {
  EXPECT_EQ(syscall_name(syscall_number("ptrace")), "ptrace");
  EXPECT_EQ(syscall_number("open_tree_attr"), 467);
  EXPECT_EQ(syscall_name(467), "open_tree_attr");
  EXPECT_EQ(syscall_name(99999), "nr:99999");
  EXPECT_EQ(syscall_number("nope"), -1);
}

}  // namespace
}  // namespace cordon
