// Child-side sandbox setup: runs between clone3 and execve.
//
// Async-signal-safe by construction: only raw syscalls (credential changes go
// through syscall(2) directly, never glibc's thread-broadcasting wrappers),
// stack buffers, and reads of the ChildSpec the parent prepared.
#include "child/child_spec.h"

#include <cerrno>
#include <csignal>
#include <sched.h>
#include <cstring>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child/call_message.h"
#include "child/fd_passing.h"
#include "child/landlock_abi.h"
#include "child/mount_abi.h"

namespace cordon::child {
namespace {

struct State {
  const ChildSpec* spec;
  ChildMsg msg;
  // What to run: from the spec (cold) or the call message (warm).
  int stdin_fd = -1;
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void mark(State& st, Step s) { st.msg.step_end_ns[static_cast<std::size_t>(s)] = now_ns(); }

[[noreturn]] void fail(State& st, Step s, int err) {
  st.msg.kind = MsgKind::Error;
  st.msg.step = s;
  st.msg.err = err == 0 ? EIO : err;
  (void)send(st.spec->status_fd, &st.msg, sizeof st.msg, MSG_NOSIGNAL);
  _exit(127);
}

// Fails the step with errno when `rc` is negative.
void check(State& st, Step s, long rc) {
  if (rc < 0) fail(st, s, errno);
}

std::size_t str_len(const char* s) {
  std::size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

// Copies `src` into `dst` (capacity `cap`), NUL-terminated. False if too long.
bool copy_str(char* dst, std::size_t cap, const char* src) {
  std::size_t n = str_len(src);
  if (n + 1 > cap) return false;
  std::memcpy(dst, src, n + 1);
  return true;
}

// mkdir -p for an absolute path, without allocation.
int mkdir_p(const char* path, bool include_last) {
  char buf[4096];
  if (!copy_str(buf, sizeof buf, path)) return ENAMETOOLONG;
  std::size_t n = str_len(buf);
  std::size_t end = n;
  if (!include_last) {
    while (end > 0 && buf[end - 1] != '/') --end;
    if (end > 0) --end;  // drop the slash
  }
  for (std::size_t i = 1; i <= end; ++i) {
    if (i == end || buf[i] == '/') {
      char saved = buf[i];
      buf[i] = '\0';
      if (mkdir(buf, 0755) < 0 && errno != EEXIST) return errno;
      buf[i] = saved;
    }
  }
  return 0;
}

// "/proc/self/fd/<fd>" into buf.
void fd_path(char* buf, int fd) {
  const char prefix[] = "/proc/self/fd/";
  std::memcpy(buf, prefix, sizeof prefix - 1);
  char digits[16];
  int n = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::size_t pos = sizeof prefix - 1;
  while (n > 0) buf[pos++] = digits[--n];
  buf[pos] = '\0';
}

long sys_mount_setattr(const char* path, unsigned flags, std::uint64_t set, std::uint64_t clr) {
  MountAttr attr{};
  attr.attr_set = set;
  attr.attr_clr = clr;
  return syscall(kSysMountSetattr, AT_FDCWD, path, flags, &attr, sizeof attr);
}

int open_source(const char* path) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS;
  long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
  return static_cast<int>(fd);
}

Step step_for(MountKind k) {
  switch (k) {
    case MountKind::Bind: return Step::BindMounts;
    case MountKind::Symlink: return Step::Symlinks;
    case MountKind::Tmpfs: return Step::TmpfsMounts;
    case MountKind::Proc: return Step::MountProc;
    case MountKind::DevBind: return Step::MountDev;
  }
  return Step::BindMounts;
}

void bind_one(State& st, const MountOp& op, int src_fd) {
  Step s = step_for(op.kind);
  struct stat sb{};
  check(st, s, fstat(src_fd, &sb));
  bool dir = S_ISDIR(sb.st_mode);
  int e = mkdir_p(op.target, dir);
  if (e != 0) fail(st, s, e);
  if (!dir) {
    int f = open(op.target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0 && errno != EEXIST) fail(st, s, errno);
    if (f >= 0) close(f);
  }
  char src[64];
  fd_path(src, src_fd);
  check(st, s, mount(src, op.target, nullptr, MS_BIND | MS_REC, nullptr));
  check(st, s, sys_mount_setattr(op.target, AT_RECURSIVE, op.attr_set, 0));
}

// /proc/sys and friends become read-only views.
void protect_proc(State& st, const char* proc_target) {
  static const char* const kSubs[] = {"/sys", "/sysrq-trigger", "/irq", "/bus", "/fs"};
  for (const char* sub : kSubs) {
    char path[4096];
    if (!copy_str(path, sizeof path, proc_target)) fail(st, Step::MountProc, ENAMETOOLONG);
    std::size_t n = str_len(path);
    if (!copy_str(path + n, sizeof path - n, sub)) fail(st, Step::MountProc, ENAMETOOLONG);
    struct stat sb{};
    if (lstat(path, &sb) < 0) continue;
    check(st, Step::MountProc, mount(path, path, nullptr, MS_BIND | MS_REC, nullptr));
    check(st, Step::MountProc,
          sys_mount_setattr(path, AT_RECURSIVE,
                            kMountAttrRdonly | kMountAttrNosuid | kMountAttrNodev | kMountAttrNoexec, 0));
  }
}

void build_root(State& st) {
  const ChildSpec& sp = *st.spec;
  int src_fd[kMaxMounts];
  for (std::size_t i = 0; i < sp.n_mounts; ++i) {
    src_fd[i] = -1;
    const MountOp& op = sp.mounts[i];
    if (op.kind != MountKind::Bind && op.kind != MountKind::DevBind) continue;
    src_fd[i] = open_source(op.source);
    if (src_fd[i] < 0 && !(op.optional && errno == ENOENT)) fail(st, Step::OpenSources, errno);
  }
  // Files we create from here on (mount points) belong to the tool's ids,
  // which are mapped in our user namespace; our own (host) ids may not be.
  (void)syscall(SYS_setfsgid, sp.gid);
  (void)syscall(SYS_setfsuid, sp.uid);
  mark(st, Step::OpenSources);

  check(st, Step::MountRoot,
        mount("tmpfs", sp.staging, "tmpfs", MS_NOSUID | MS_NODEV, sp.root_options));
  mark(st, Step::MountRoot);

  for (std::size_t i = 0; i < sp.n_mounts; ++i) {
    const MountOp& op = sp.mounts[i];
    Step s = step_for(op.kind);
    switch (op.kind) {
      case MountKind::Bind:
      case MountKind::DevBind:
        if (src_fd[i] >= 0) {
          bind_one(st, op, src_fd[i]);
          close(src_fd[i]);
        }
        break;
      case MountKind::Symlink: {
        int e = mkdir_p(op.target, false);
        if (e != 0) fail(st, s, e);
        check(st, s, symlink(op.source, op.target));
        break;
      }
      case MountKind::Tmpfs: {
        int e = mkdir_p(op.target, true);
        if (e != 0) fail(st, s, e);
        check(st, s, mount("tmpfs", op.target, "tmpfs", MS_NOSUID | MS_NODEV, op.data));
        break;
      }
      case MountKind::Proc: {
        int e = mkdir_p(op.target, true);
        if (e != 0) fail(st, s, e);
        check(st, s, mount("proc", op.target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
        protect_proc(st, op.target);
        break;
      }
    }
    mark(st, s);
  }
}

// Granted secrets as files (before the tmpfs holding them is sealed).
void write_secret_files(State& st) {
  const ChildSpec& sp = *st.spec;
  for (std::size_t i = 0; i < sp.n_secret_files; ++i) {
    const SecretFile& f = sp.secret_files[i];
    int fd = open(f.path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0400);
    check(st, Step::SecretFiles, fd);
    std::size_t off = 0;
    while (off < f.len) {
      ssize_t n = write(fd, f.data + off, f.len - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(st, Step::SecretFiles, n < 0 ? errno : EIO);
      off += static_cast<std::size_t>(n);
    }
    close(fd);
  }
  mark(st, Step::SecretFiles);
}

void seal_and_pivot(State& st) {
  const ChildSpec& sp = *st.spec;
  for (std::size_t i = 0; i < sp.n_mounts; ++i) {
    const MountOp& op = sp.mounts[i];
    if (op.kind == MountKind::Tmpfs && !op.writable)
      check(st, Step::RootReadOnly,
            sys_mount_setattr(op.target, 0, kMountAttrRdonly | kMountAttrNosuid | kMountAttrNoexec, 0));
  }
  check(st, Step::RootReadOnly,
        sys_mount_setattr(sp.staging, 0, kMountAttrRdonly | kMountAttrNosuid | kMountAttrNodev, 0));
  mark(st, Step::RootReadOnly);

  check(st, Step::PivotRoot, chdir(sp.staging));
  check(st, Step::PivotRoot, syscall(SYS_pivot_root, ".", "."));
  check(st, Step::PivotRoot, umount2(".", MNT_DETACH));
  check(st, Step::PivotRoot, chdir("/"));
  mark(st, Step::PivotRoot);
}

void loopback_up(State& st) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  check(st, Step::Loopback, s);
  ifreq ifr{};
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  check(st, Step::Loopback, ioctl(s, SIOCGIFFLAGS, &ifr));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  check(st, Step::Loopback, ioctl(s, SIOCSIFFLAGS, &ifr));
  close(s);
}

void drop_privileges(State& st) {
  const ChildSpec& sp = *st.spec;
  if (!sp.skip_caps) {
    for (int cap = 0; cap <= sp.last_cap; ++cap) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) fail(st, Step::DropBounding, errno);
    }
  }
  mark(st, Step::DropBounding);
  if (!sp.skip_caps) {
    check(st, Step::SecureBits,
          prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                       SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                       SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
                0, 0, 0));
  }
  mark(st, Step::SecureBits);
  check(st, Step::SetIds, syscall(SYS_setresgid, sp.gid, sp.gid, sp.gid));
  check(st, Step::SetIds, syscall(SYS_setresuid, sp.uid, sp.uid, sp.uid));
  mark(st, Step::SetIds);
  if (!sp.skip_caps) {
    __user_cap_header_struct hdr{};
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    hdr.pid = 0;
    __user_cap_data_struct data[2] = {};
    check(st, Step::DropCaps, syscall(SYS_capset, &hdr, data));
    check(st, Step::DropCaps, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
  }
  mark(st, Step::DropCaps);
  check(st, Step::ParentDeath, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
  // Init keeps a copy of the launcher's memory: never dumpable, so the tool
  // (same uid when the launcher is unprivileged) cannot read /proc/1/*.
  // execve makes the tool itself dumpable again.
  check(st, Step::ParentDeath, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
  mark(st, Step::ParentDeath);
}

void apply_landlock(State& st) {
  const ChildSpec& sp = *st.spec;
  if (sp.landlock_abi <= 0) return;
  LandlockRulesetAttr attr{};
  attr.handled_access_fs = sp.landlock_handled_fs;
  attr.scoped = sp.landlock_scoped;
  std::size_t attr_size = sp.landlock_abi >= 6 ? 24 : (sp.landlock_abi >= 4 ? 16 : 8);
  long rs = syscall(kSysLandlockCreateRuleset, &attr, attr_size, 0);
  check(st, Step::Landlock, rs);
  int ruleset = static_cast<int>(rs);
  for (std::size_t i = 0; i < sp.n_landlock_rules; ++i) {
    const LandlockRule& r = sp.landlock_rules[i];
    int fd = open(r.path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // an optional mount that was absent
      fail(st, Step::Landlock, errno);
    }
    struct stat sb{};
    check(st, Step::Landlock, fstat(fd, &sb));
    LandlockPathBeneathAttr pb{};
    pb.allowed_access = r.access & sp.landlock_handled_fs;
    if (!S_ISDIR(sb.st_mode)) pb.allowed_access &= kLandlockFileRights;
    pb.parent_fd = fd;
    if (pb.allowed_access != 0)
      check(st, Step::Landlock, syscall(kSysLandlockAddRule, ruleset, kLandlockRulePathBeneath, &pb, 0));
    close(fd);
  }
  check(st, Step::Landlock, syscall(kSysLandlockRestrictSelf, ruleset, 0));
  close(ruleset);
}

void setup_stdio(State& st) {
  const ChildSpec& sp = *st.spec;
  const int from[3] = {st.stdin_fd, sp.stdout_fd, sp.stderr_fd};
  for (int target = 0; target < 3; ++target) {
    if (from[target] == target) {
      check(st, Step::Stdio, fcntl(target, F_SETFD, 0));
    } else {
      check(st, Step::Stdio, dup2(from[target], target));
    }
  }
}

void reset_signals(State& st) {
  struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    std::uint64_t mask;
  };
  kernel_sigaction dfl{};
  dfl.handler = SIG_DFL;
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    (void)syscall(SYS_rt_sigaction, sig, &dfl, nullptr, 8);
  }
  std::uint64_t empty = 0;
  check(st, Step::Signals, syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, nullptr, 8));
}

void send_ready(State& st, int listener) {
  const ChildSpec& sp = *st.spec;
  st.msg.kind = MsgKind::Ready;
  st.msg.step = Step::Seccomp;
  st.msg.err = 0;
  if (send_with_fds(sp.status_fd, &st.msg, sizeof st.msg, &listener, listener >= 0 ? 1 : 0) < 0) _exit(127);
  if (listener >= 0) close(listener);
}

// pid 1: reap everything; when the tool exits, report and exit (the kernel
// then kills the rest of the namespace).
[[noreturn]] void init_loop(State& st, pid_t tool) {
  // Init holds nothing but its channel to the parent: no stdio (so the
  // tool's pipes reach EOF when the tool's tree closes them), no copies of
  // the launcher's descriptors.
  const unsigned keep = static_cast<unsigned>(st.spec->status_fd);
  if (keep > 0) (void)syscall(SYS_close_range, 0u, keep - 1, 0u);
  (void)syscall(SYS_close_range, keep + 1, ~0u, 0u);
  for (;;) {
    int status = 0;
    rusage ru{};
    long p = syscall(SYS_wait4, -1, &status, __WALL, &ru);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) _exit(127);
    if (p != tool) continue;
    st.msg.kind = MsgKind::ToolExit;
    st.msg.tool_status = status;
    st.msg.tool_cpu_us = static_cast<std::uint64_t>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1'000'000ull +
                         static_cast<std::uint64_t>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    st.msg.tool_maxrss_kb = static_cast<std::uint64_t>(ru.ru_maxrss);
    (void)send(st.spec->status_fd, &st.msg, sizeof st.msg, MSG_NOSIGNAL);
    _exit(0);
  }
}

// The tool's first moments: it shares init's memory (CLONE_VM) while init
// waits (CLONE_VFORK), so it only execs, or reports why it could not.
int tool_main(void* arg) {
  State& st = *static_cast<State*>(arg);
  execve(st.exec_path, st.argv, st.envp);
  int err = errno;
  st.msg.step_end_ns[static_cast<std::size_t>(Step::Exec)] = now_ns();
  fail(st, Step::Exec, err);
}

[[noreturn]] void fork_and_exec(State& st) {
  // CLONE_VM | CLONE_VFORK, as posix_spawn does: no copy of init's page
  // tables (init is a copy of the launcher, so copying them costs as much
  // as a fork of the launcher), and init resumes once the tool has exec'd.
  // The tool runs on its own small stack until execve replaces its memory.
  constexpr std::size_t kStack = 64 * 1024;
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) fail(st, Step::ForkTool, errno);
  int pid = clone(tool_main, static_cast<char*>(stack) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &st);
  if (pid < 0) fail(st, Step::ForkTool, errno);
  init_loop(st, static_cast<pid_t>(pid));
}

// Reads one byte from the parent's sync pipe; true if it is `want`.
bool read_byte(int fd, char want) {
  char c = 0;
  long n;
  do {
    n = read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1 && c == want;
}

// Closes every descriptor inherited from the launcher except this child's
// own channels. The launcher is multi-threaded: clone copied the channels
// of other calls being set up at the same moment, and a child that kept
// them (a parked warm child above all) would hold their pipes open.
void close_inherited(const ChildSpec& sp) {
  int keep[5] = {sp.status_fd, sp.sync_fd, sp.stdin_fd, sp.stdout_fd, sp.stderr_fd};
  // Insertion sort (no allocation), then close the gaps between them.
  for (int i = 1; i < 5; ++i)
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; --j) {
      int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  unsigned next = 3;  // 0, 1 and 2 are replaced by Stdio
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned>(fd) < next) {
      if (fd >= 0 && static_cast<unsigned>(fd) + 1 > next) next = static_cast<unsigned>(fd) + 1;
      continue;
    }
    if (static_cast<unsigned>(fd) > next) (void)syscall(SYS_close_range, next, static_cast<unsigned>(fd) - 1, 0u);
    next = static_cast<unsigned>(fd) + 1;
  }
  (void)syscall(SYS_close_range, next, ~0u, 0u);
}

// Warm: tell the parent we are parked, then wait for the call.
void await_call(State& st) {
  const ChildSpec& sp = *st.spec;
  st.msg.kind = MsgKind::Parked;
  st.msg.step = Step::AwaitCall;
  st.msg.err = 0;
  if (send(sp.status_fd, &st.msg, sizeof st.msg, MSG_NOSIGNAL) < 0) _exit(127);
  ReceivedCall call;
  int err = receive_call(sp.status_fd, call);
  if (err == ECONNRESET) _exit(0);  // the pool dropped this sandbox
  if (err != 0) fail(st, Step::AwaitCall, err);
  st.stdin_fd = call.stdin_fd;
  st.exec_path = call.exec_path;
  st.argv = call.argv;
  st.envp = call.envp;
}

}  // namespace

void run_child(const ChildSpec& spec) {
  State st{&spec, {}, spec.stdin_fd, spec.exec_path, spec.argv, spec.envp};
  st.msg.start_ns = now_ns();
  close_inherited(spec);

  // Die with the parent; wait until it has written our id maps and put us
  // in the call's cgroup.
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!read_byte(spec.sync_fd, 'g')) _exit(127);  // the parent gave up
  mark(st, Step::WaitParent);

  if (spec.clear_groups) check(st, Step::ClearGroups, syscall(SYS_setgroups, 0, nullptr));
  mark(st, Step::ClearGroups);
  check(st, Step::MountPrivate, mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
  mark(st, Step::MountPrivate);

  build_root(st);
  write_secret_files(st);
  seal_and_pivot(st);

  check(st, Step::Hostname, sethostname(spec.hostname, str_len(spec.hostname)));
  mark(st, Step::Hostname);
  if (spec.loopback) loopback_up(st);
  mark(st, Step::Loopback);
  check(st, Step::Setsid, setsid());
  mark(st, Step::Setsid);
  check(st, Step::Chdir, chdir(spec.cwd));
  mark(st, Step::Chdir);

  // The parent moved us into the call's cgroup while we built the root (on
  // cgroup v1 each attach waits for an RCU grace period). The cgroup
  // namespace must be rooted there, and the tool must never run outside it.
  if (!read_byte(spec.sync_fd, 'c')) _exit(127);  // the parent gave up
  mark(st, Step::WaitCgroup);
  if (spec.unshare_cgroup) check(st, Step::UnshareCgroup, unshare(CLONE_NEWCGROUP));
  mark(st, Step::UnshareCgroup);

  drop_privileges(st);

  for (std::size_t i = 0; i < spec.n_rlimits; ++i) {
    rlimit64 rl{spec.rlimits[i].soft, spec.rlimits[i].hard};
    check(st, Step::Rlimits, syscall(SYS_prlimit64, 0, spec.rlimits[i].resource, &rl, nullptr));
  }
  mark(st, Step::Rlimits);
  if (!spec.skip_no_new_privs) check(st, Step::NoNewPrivs, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  mark(st, Step::NoNewPrivs);
  apply_landlock(st);
  mark(st, Step::Landlock);
  if (spec.warm) await_call(st);
  mark(st, Step::AwaitCall);
  setup_stdio(st);
  mark(st, Step::Stdio);
  check(st, Step::CloseFds, syscall(SYS_close_range, 3u, ~0u, kCloseRangeCloexec));
  mark(st, Step::CloseFds);

  reset_signals(st);
  mark(st, Step::Signals);

  int listener = -1;
  if (spec.seccomp) {
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                      &spec.seccomp_prog);
    check(st, Step::Seccomp, fd);
    listener = static_cast<int>(fd);
  }
  mark(st, Step::Seccomp);
  send_ready(st, listener);
  fork_and_exec(st);
}

const char* step_name(Step s) {
  switch (s) {
    case Step::WaitParent: return "wait_parent";
    case Step::ClearGroups: return "clear_groups";
    case Step::UnshareCgroup: return "unshare_cgroup";
    case Step::MountPrivate: return "mount_private";
    case Step::OpenSources: return "open_sources";
    case Step::MountRoot: return "mount_root";
    case Step::BindMounts: return "bind_mounts";
    case Step::Symlinks: return "symlinks";
    case Step::TmpfsMounts: return "tmpfs_mounts";
    case Step::MountProc: return "mount_proc";
    case Step::MountDev: return "mount_dev";
    case Step::SecretFiles: return "secret_files";
    case Step::RootReadOnly: return "root_read_only";
    case Step::PivotRoot: return "pivot_root";
    case Step::Hostname: return "hostname";
    case Step::Loopback: return "loopback";
    case Step::Setsid: return "setsid";
    case Step::Chdir: return "chdir";
    case Step::WaitCgroup: return "wait_cgroup";
    case Step::DropBounding: return "drop_bounding_set";
    case Step::SecureBits: return "securebits";
    case Step::SetIds: return "set_ids";
    case Step::DropCaps: return "drop_capabilities";
    case Step::ParentDeath: return "parent_death_signal";
    case Step::Rlimits: return "rlimits";
    case Step::NoNewPrivs: return "no_new_privs";
    case Step::Landlock: return "landlock";
    case Step::AwaitCall: return "await_call";
    case Step::Stdio: return "stdio";
    case Step::CloseFds: return "close_fds";
    case Step::Signals: return "signals";
    case Step::Seccomp: return "seccomp";
    case Step::ForkTool: return "fork_tool";
    case Step::Exec: return "execve";
    case Step::kCount: break;
  }
  return "unknown";
}

}  // namespace cordon::child
