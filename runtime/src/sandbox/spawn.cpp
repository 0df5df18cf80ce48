// run_plan(): channels, cgroup, clone3, id maps, then supervise().
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "child/child_spec.h"
#include "cordon/sandbox.h"
#include "sandbox/fsutil.h"
#include "sandbox/plan_internal.h"
#include "output/output_stage.h"
#include "sandbox/supervise.h"

namespace cordon {
namespace {

// Our own definition of the kernel's struct clone_args (v2 layout):
// <linux/sched.h> conflicts with <sched.h>.
struct CloneArgs {
  std::uint64_t flags;
  std::uint64_t pidfd;
  std::uint64_t child_tid;
  std::uint64_t parent_tid;
  std::uint64_t exit_signal;
  std::uint64_t stack;
  std::uint64_t stack_size;
  std::uint64_t tls;
  std::uint64_t set_tid;
  std::uint64_t set_tid_size;
  std::uint64_t cgroup;
};
constexpr std::uint64_t kClonePidfd = 0x00001000;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& r, Fd& w) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return false;
  r.reset(p[0]);
  w.reset(p[1]);
  return true;
}

std::string call_cgroup_name() {
  static std::atomic<std::uint64_t> counter{0};  // unique across threads
  return std::to_string(getpid()) + "-" + std::to_string(monotonic_ns()) + "-" + std::to_string(++counter);
}

int write_id_maps(pid_t pid, const SpawnPlan& plan) {
  std::string base = "/proc/" + std::to_string(pid);
  if (plan.deny_setgroups) {
    int e = write_small_file(base + "/setgroups", "deny");
    if (e != 0 && e != ENOENT) return e;
  }
  int e = write_small_file(base + "/uid_map", std::to_string(plan.spec.uid) + " " + std::to_string(plan.host_uid) + " 1\n");
  if (e != 0) return e;
  return write_small_file(base + "/gid_map", std::to_string(plan.spec.gid) + " " + std::to_string(plan.host_gid) + " 1\n");
}

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

Result run_plan(const SpawnPlan& plan, const RunOptions& opts) {
  const Profile& prof = *plan.profile;
  Result r = setup_error_result("spawn", "", &prof);
  r.controls = plan.controls;
  r.secrets = plan.granted;
  child::ChildSpec spec = plan.spec;  // per-call copy: channels and fallbacks
  unsigned long clone_flags = plan.clone_flags;

  // Test-only fault injection (the adversarial suite proves it can fail).
  const std::string& skip = opts.test_skip_control;
  if (skip == "seccomp") spec.seccomp = false;
  if (skip == "landlock") spec.landlock_abi = 0;
  if (skip == "capabilities") spec.skip_caps = true;
  if (skip == "no_new_privs") spec.skip_no_new_privs = true;
  if (skip == "net_ns") {
    clone_flags &= ~static_cast<unsigned long>(CLONE_NEWNET);
    spec.loopback = false;
  }
  if (!skip.empty()) mark_skipped(r, skip);

  auto fail = [&](const std::string& step, int err, const std::string& what) {
    r.outcome = Outcome::SetupError;
    r.setup_step = step;
    r.setup_errno = err;
    r.detail = what + (err ? std::string(": ") + std::strerror(err) : "");
    return r;
  };

  // The output filter (before anything can be printed).
  std::unique_ptr<OutputStage> output;
  try {
    output = std::make_unique<OutputStage>(plan.rules, prof.output, plan.guarded);
  } catch (const std::exception& e) {
    return fail("output_filter", 0, std::string("cannot set up the output filter: ") + e.what());
  }

  // Channels.
  Fd status_parent, status_child, sync_r, sync_w, out_r, out_w, err_r, err_w, in_r, in_w;
  {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return fail("channels", errno, "socketpair");
    status_parent.reset(sv[0]);
    status_child.reset(sv[1]);
  }
  if (!make_pipe(sync_r, sync_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
    return fail("channels", errno, "pipe");
  if (plan.stdin_path) {
    in_r.reset(open(plan.stdin_path->c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (in_r.get() < 0) return fail("stdin", errno, "cannot open stdin file '" + *plan.stdin_path + "'");
  } else if (plan.stdin_data) {
    if (!make_pipe(in_r, in_w)) return fail("channels", errno, "pipe");
    fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  } else {
    in_r.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (in_r.get() < 0) return fail("stdin", errno, "/dev/null");
  }
  fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  fcntl(err_r.get(), F_SETFL, O_NONBLOCK);

  // The call's cgroup (limits written before the tool exists).
  std::unique_ptr<CallCgroup> cgroup;
  if (skip != "cgroup") {
    cgroup = CallCgroup::create(plan.host.cgroups, call_cgroup_name(), plan.cgroup_limits, r.controls);
  } else {
    for (const char* c : {"cgroup_memory", "cgroup_pids", "cgroup_cpu"})
      r.controls.push_back(Control{c, false, "skipped by a test switch"});
  }
  for (const auto& req : plan.required)
    for (const auto& c : r.controls)
      if (c.name == req && !c.applied)
        return fail("require", 0, "required control '" + req + "' is unavailable: " + c.detail);

  // Fallbacks when the cgroup controllers are missing: per-process rlimits.
  auto control_applied = [&](const char* name) {
    for (const auto& c : r.controls)
      if (c.name == name) return c.applied;
    return false;
  };
  if (!control_applied("cgroup_pids") && plan.limits.pids > 0 && spec.n_rlimits < child::kMaxRlimits) {
    spec.rlimits[spec.n_rlimits++] = child::Rlimit{RLIMIT_NPROC, plan.limits.pids, plan.limits.pids};
    r.controls.push_back(Control{"pids_rlimit_fallback", true, "RLIMIT_NPROC=" + std::to_string(plan.limits.pids)});
  }
  if (!control_applied("cgroup_memory") && plan.limits.memory_bytes > 0 && spec.n_rlimits < child::kMaxRlimits) {
    // RLIMIT_DATA counts writable private memory, not address-space
    // reservations, so JIT runtimes (V8, the JVM) still start.
    spec.rlimits[spec.n_rlimits++] = child::Rlimit{RLIMIT_DATA, plan.limits.memory_bytes, plan.limits.memory_bytes};
    r.controls.push_back(
        Control{"memory_rlimit_fallback", true, "RLIMIT_DATA=" + std::to_string(plan.limits.memory_bytes) + " per process"});
  }

  spec.status_fd = status_child.get();
  spec.sync_fd = sync_r.get();
  spec.stdin_fd = in_r.get();
  spec.stdout_fd = out_w.get();
  spec.stderr_fd = err_w.get();

  int pidfd = -1;
  CloneArgs ca{};
  ca.flags = clone_flags | kClonePidfd;
  ca.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  ca.exit_signal = SIGCHLD;
  std::uint64_t t0 = monotonic_ns();
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) child::run_child(spec);  // never returns
  if (pid < 0) return fail("clone3", errno, "clone3 with new namespaces");

  Supervised s;
  s.pid = static_cast<pid_t>(pid);
  s.pidfd = pidfd;
  s.t0_ns = t0;
  s.cgroup = cgroup.get();
  s.output = output.get();
  s.cancel_fd = opts.cancel_fd;
  s.opts = &opts;
  if (plan.limits.disk_bytes > 0)
    for (const auto& path : plan.disk_watch) s.disk_free_at_start.emplace_back(path, free_bytes(path));

  // Parent side of the handshake: id maps, cgroup, then "go".
  status_child.reset();
  sync_r.reset();
  out_w.reset();
  err_w.reset();
  in_r.reset();
  int e = write_id_maps(s.pid, plan);
  std::string step = "id_maps";
  if (e == 0 && cgroup) {
    e = cgroup->attach(s.pid);
    step = "cgroup_attach";
  }
  if (e != 0) {
    kill(s.pid, SIGKILL);
    sync_w.reset();
    waitpid(s.pid, nullptr, 0);
    close(pidfd);
    return fail(step, e, step == "id_maps" ? "writing uid/gid maps" : "moving the child into its cgroup");
  }
  char go = 'g';
  if (write(sync_w.get(), &go, 1) != 1) {
    e = errno;
    kill(s.pid, SIGKILL);
    waitpid(s.pid, nullptr, 0);
    close(pidfd);
    return fail("handshake", e, "signalling the child");
  }
  sync_w.reset();

  s.status_fd = status_parent.release();
  s.stdout_fd = out_r.release();
  s.stderr_fd = err_r.release();
  s.stdin_fd = in_w.release();
  s.stdin_data = plan.stdin_data ? &*plan.stdin_data : nullptr;
  supervise(plan, s, r);
  if (cgroup) cgroup->destroy();
  return r;
}

}  // namespace cordon
