#include "sandbox/seccomp_policy.h"

#include <cerrno>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>

#include "sandbox/syscall_names.h"

namespace cordon {
namespace {

// How a default entry is matched.
enum class Match {
  Always,       // every call
  Ioctl,        // ioctl(fd, TIOCSTI|TIOCLINUX, ...)
  CloneNs,      // clone(flags with any CLONE_NEW*)
  SocketFamily, // socket(family not unix/inet/inet6): errno EAFNOSUPPORT
  Personality,  // personality(x) other than PER_LINUX or the query: decided by the supervisor
};

struct DefaultEntry {
  const char* name;
  Match match;
};

// The default deny list. Every entry reaches the supervisor (user notify).
constexpr DefaultEntry kDefaults[] = {
    {"ptrace", Match::Always}, {"process_vm_readv", Match::Always},
    {"process_vm_writev", Match::Always}, {"pidfd_getfd", Match::Always},
    {"process_madvise", Match::Always}, {"kcmp", Match::Always},
    {"keyctl", Match::Always}, {"add_key", Match::Always}, {"request_key", Match::Always},
    {"bpf", Match::Always}, {"perf_event_open", Match::Always},
    {"userfaultfd", Match::Always},
    {"io_uring_setup", Match::Always}, {"io_uring_enter", Match::Always},
    {"io_uring_register", Match::Always},
    {"kexec_load", Match::Always}, {"kexec_file_load", Match::Always},
    {"init_module", Match::Always}, {"finit_module", Match::Always},
    {"delete_module", Match::Always},
    {"mount", Match::Always}, {"umount2", Match::Always}, {"pivot_root", Match::Always},
    {"chroot", Match::Always}, {"fsopen", Match::Always}, {"fsconfig", Match::Always},
    {"fsmount", Match::Always}, {"fspick", Match::Always}, {"move_mount", Match::Always},
    {"open_tree", Match::Always}, {"open_tree_attr", Match::Always},
    {"mount_setattr", Match::Always},
    {"unshare", Match::Always}, {"setns", Match::Always},
    {"clone", Match::CloneNs},
    {"open_by_handle_at", Match::Always}, {"name_to_handle_at", Match::Always},
    {"ioctl", Match::Ioctl},
    {"personality", Match::Personality},
    {"acct", Match::Always}, {"swapon", Match::Always}, {"swapoff", Match::Always},
    {"reboot", Match::Always}, {"syslog", Match::Always},
    {"settimeofday", Match::Always}, {"clock_settime", Match::Always},
    {"clock_adjtime", Match::Always}, {"adjtimex", Match::Always},
    {"quotactl", Match::Always}, {"quotactl_fd", Match::Always},
    {"lookup_dcookie", Match::Always}, {"uselib", Match::Always},
    {"vhangup", Match::Always}, {"iopl", Match::Always}, {"ioperm", Match::Always},
    {"socket", Match::SocketFamily},
};

constexpr unsigned long kNsFlags[] = {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                      CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET};

struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(c); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

int add_rules(scmp_filter_ctx ctx, int nr, Match m) {
  const std::uint32_t act = SCMP_ACT_NOTIFY;
  switch (m) {
    case Match::Always:
    case Match::Personality:
      return seccomp_rule_add(ctx, act, nr, 0);
    case Match::Ioctl: {
      for (unsigned long req : {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
        // The kernel reads cmd as 32 bits: compare the low 32 bits only.
        int rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, req));
        if (rc < 0) return rc;
      }
      return 0;
    }
    case Match::CloneNs: {
      for (unsigned long f : kNsFlags) {
        int rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, f, f));
        if (rc < 0) return rc;
      }
      return 0;
    }
    case Match::SocketFamily: {
      // Allowed: AF_UNIX (1), AF_INET (2), AF_INET6 (10). Anything >= 11
      // (including values with high bits set) and 0, 3..9 is denied.
      int rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_GE, 11));
      for (scmp_datum_t v : {0, 3, 4, 5, 6, 7, 8, 9}) {
        if (rc < 0) return rc;
        rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_EQ, v));
      }
      return rc;
    }
  }
  return -EINVAL;
}

std::vector<sock_filter> export_program(scmp_filter_ctx ctx, std::string& err) {
  int fd = memfd_create("cordon-seccomp", MFD_CLOEXEC);
  if (fd < 0) {
    err = "memfd_create failed";
    return {};
  }
  std::vector<sock_filter> prog;
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    err = "seccomp_export_bpf failed: " + std::to_string(-rc);
  } else {
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
      err = "seccomp program has an invalid size";
    } else {
      prog.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
      if (pread(fd, prog.data(), static_cast<std::size_t>(size), 0) != size) {
        err = "reading the seccomp program failed";
        prog.clear();
      }
    }
  }
  close(fd);
  return prog;
}

}  // namespace

std::vector<std::string> default_denied_syscalls() {
  std::vector<std::string> out;
  for (const auto& e : kDefaults) out.emplace_back(e.name);
  return out;
}

SeccompBuild build_seccomp_policy(const Syscalls& cfg) {
  SeccompBuild out;
  std::set<std::string> allowed(cfg.dangerous_allow.begin(), cfg.dangerous_allow.end());
  std::set<std::string> defaults;
  for (const auto& e : kDefaults) defaults.insert(e.name);
  for (std::size_t i = 0; i < cfg.dangerous_allow.size(); ++i) {
    if (!defaults.count(cfg.dangerous_allow[i]))
      out.errors.push_back("syscalls.dangerous_allow[" + std::to_string(i) + "]: '" +
                           cfg.dangerous_allow[i] + "' is not on the default deny list");
  }

  Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    out.errors.push_back("syscalls: seccomp_init failed");
    return out;
  }
  // Foreign architectures (i386 via int 0x80, x32) reach the supervisor,
  // which kills the call.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

  // clone3 cannot be inspected (flags live in memory): answer ENOSYS so libc
  // falls back to clone, whose flags are checked.
  if (!allowed.count("clone")) {
    int nr = syscall_number("clone3");
    if (nr >= 0) seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }

  std::map<std::string, const SyscallDeny*> overrides;
  for (std::size_t i = 0; i < cfg.deny.size(); ++i) {
    const SyscallDeny& d = cfg.deny[i];
    if (syscall_number(d.name) < 0) {
      out.errors.push_back("syscalls.deny[" + std::to_string(i) + "]: unknown syscall '" + d.name + "'");
      continue;
    }
    overrides[d.name] = &d;
  }

  auto record = [&](const std::string& name, int nr, SyscallAction action, int errno_value) {
    out.policy.by_nr[nr] = DenyRule{name, action, errno_value, name == "personality"};
  };

  for (const auto& e : kDefaults) {
    if (allowed.count(e.name)) continue;
    int nr = syscall_number(e.name);
    if (nr < 0) continue;  // not on this architecture
    SyscallAction action = cfg.action;
    int err = cfg.errno_value;
    if (e.match == Match::SocketFamily) {
      action = SyscallAction::Errno;
      err = EAFNOSUPPORT;
    }
    Match match = e.match;
    if (auto it = overrides.find(e.name); it != overrides.end()) {
      // An explicit deny covers every call, not just the default's pattern.
      action = it->second->action.value_or(action);
      err = it->second->errno_value.value_or(err);
      match = e.match == Match::Personality ? Match::Personality : Match::Always;
      overrides.erase(it);
    }
    if (add_rules(ctx.get(), nr, match) < 0) {
      out.errors.push_back(std::string("syscalls: cannot add the default rule for ") + e.name);
      continue;
    }
    record(e.name, nr, action, err);
    ++out.policy.rule_count;
  }
  for (const auto& [name, d] : overrides) {
    int nr = syscall_number(name);
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0) < 0) {
      out.errors.push_back("syscalls.deny: cannot add a rule for '" + name + "'");
      continue;
    }
    record(name, nr, d->action.value_or(cfg.action), d->errno_value.value_or(cfg.errno_value));
    ++out.policy.rule_count;
  }
  if (!out.errors.empty()) return out;

  std::string err;
  out.policy.program = export_program(ctx.get(), err);
  if (!err.empty()) out.errors.push_back("syscalls: " + err);
  return out;
}

}  // namespace cordon
