// The seccomp policy for one profile: the default deny list, extended and
// narrowed by the profile, compiled once (in the parent) to a BPF program.
// Every denied syscall is routed to the supervisor through a user-notify
// listener, so denials come back as data (name, count, action), and the
// supervisor answers with the rule's errno or kills the call.
#pragma once

#include <linux/filter.h>
#include <map>
#include <string>
#include <vector>

#include "cordon/profile.h"

namespace cordon {

struct DenyRule {
  std::string name;
  SyscallAction action = SyscallAction::Kill;
  int errno_value = 1;
  // personality(2): PER_LINUX and the query (0xffffffff) are let through.
  bool allow_plain_personality = false;
};

struct SeccompPolicy {
  std::vector<sock_filter> program;
  std::map<int, DenyRule> by_nr;   // how to answer a notification for nr
  std::size_t rule_count = 0;
};

struct SeccompBuild {
  SeccompPolicy policy;
  std::vector<std::string> errors;  // "syscalls.deny[1]: unknown syscall 'x'"
};

SeccompBuild build_seccomp_policy(const Syscalls& cfg);

// The default deny list's names (for docs, explain and tests).
std::vector<std::string> default_denied_syscalls();

}  // namespace cordon
