// start_child(): channels, cgroup, clone3, id maps, go (start_child.h).
#include "sandbox/start_child.h"

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

#include "child/clone_args.h"
#include "sandbox/fsutil.h"
#include "sandbox/supervise.h"

namespace cordon {
namespace {

using child::CloneArgs;
using child::kClonePidfd;

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

bool control_applied(const Result& r, const char* name) {
  for (const auto& c : r.controls)
    if (c.name == name) return c.applied;
  return false;
}

}  // namespace

void Fd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

Result& setup_failed(Result& r, const std::string& step, int err, const std::string& what) {
  r.outcome = Outcome::SetupError;
  r.setup_step = step;
  r.setup_errno = err;
  r.detail = what + (err ? std::string(": ") + std::strerror(err) : "");
  return r;
}

std::string open_stdin(const SpawnPlan& plan, Fd& child_end, Fd& feed, int& err) {
  err = 0;
  if (plan.stdin_path) {
    child_end.reset(open(plan.stdin_path->c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (child_end.get() < 0) return err = errno, "stdin";
  } else if (plan.stdin_data) {
    if (!make_pipe(child_end, feed)) return err = errno, "channels";
    fcntl(feed.get(), F_SETFL, O_NONBLOCK);
  } else {
    child_end.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (child_end.get() < 0) return err = errno, "stdin";
  }
  return "";
}

bool start_child(const SpawnPlan& plan, child::ChildSpec& spec, unsigned long clone_flags, const std::string& skip,
                 Spawner* spawner, Result& r, StartedChild& out) {
  Fd status_child, sync_r, sync_w, out_w, err_w;
  {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
      return setup_failed(r, "channels", errno, "socketpair"), false;
    out.status.reset(sv[0]);
    status_child.reset(sv[1]);
  }
  {
    // The sync channel is a socket so that a write to a child that already
    // died fails with EPIPE instead of raising SIGPIPE.
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
      return setup_failed(r, "channels", errno, "socketpair"), false;
    sync_r.reset(sv[0]);
    sync_w.reset(sv[1]);
  }
  if (!make_pipe(out.out_r, out_w) || !make_pipe(out.err_r, err_w))
    return setup_failed(r, "channels", errno, "pipe"), false;
  fcntl(out.out_r.get(), F_SETFL, O_NONBLOCK);
  fcntl(out.err_r.get(), F_SETFL, O_NONBLOCK);

  // The call's cgroup (limits written before the tool exists).
  if (skip != "cgroup") {
    out.cgroup = CallCgroup::create(plan.host.cgroups, call_cgroup_name(), plan.cgroup_limits, r.controls);
  } else {
    for (const char* c : {"cgroup_memory", "cgroup_pids", "cgroup_cpu"})
      r.controls.push_back(Control{c, false, "skipped by a test switch"});
  }
  for (const auto& req : plan.required)
    for (const auto& c : r.controls)
      if (c.name == req && !c.applied) {
        if (out.cgroup) out.cgroup->destroy();
        return setup_failed(r, "require", 0, "required control '" + req + "' is unavailable: " + c.detail), false;
      }

  // Fallbacks when the cgroup controllers are missing: per-process rlimits.
  if (!control_applied(r, "cgroup_pids") && plan.limits.pids > 0 && spec.n_rlimits < child::kMaxRlimits) {
    spec.rlimits[spec.n_rlimits++] = child::Rlimit{RLIMIT_NPROC, plan.limits.pids, plan.limits.pids};
    r.controls.push_back(Control{"pids_rlimit_fallback", true, "RLIMIT_NPROC=" + std::to_string(plan.limits.pids)});
  }
  if (!control_applied(r, "cgroup_memory") && plan.limits.memory_bytes > 0 && spec.n_rlimits < child::kMaxRlimits) {
    // RLIMIT_DATA counts writable private memory, not address-space
    // reservations, so JIT runtimes (V8, the JVM) still start.
    spec.rlimits[spec.n_rlimits++] = child::Rlimit{RLIMIT_DATA, plan.limits.memory_bytes, plan.limits.memory_bytes};
    r.controls.push_back(
        Control{"memory_rlimit_fallback", true, "RLIMIT_DATA=" + std::to_string(plan.limits.memory_bytes) + " per process"});
  }

  spec.status_fd = status_child.get();
  spec.sync_fd = sync_r.get();
  spec.stdout_fd = out_w.get();
  spec.stderr_fd = err_w.get();

  int pidfd = -1;
  long pid = -1;
  int clone_err = 0;
  out.t0_ns = monotonic_ns();
  Spawner::Spawned sp;
  if (spawner) sp = spawner->spawn(spec, clone_flags);
  if (spawner && !sp.unavailable) {
    pid = sp.pid;
    pidfd = sp.pidfd;
    clone_err = sp.err;
  } else {  // no spawner, or it is gone: clone here
    CloneArgs ca{};
    ca.flags = clone_flags | kClonePidfd;
    ca.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    ca.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) child::run_child(spec);  // never returns
    clone_err = errno;
  }
  if (pid < 0) {
    if (out.cgroup) out.cgroup->destroy();
    return setup_failed(r, "clone3", clone_err, "clone3 with new namespaces"), false;
  }
  out.pid = static_cast<pid_t>(pid);
  out.pidfd.reset(pidfd);

  // Parent side of the handshake: id maps, "g" (the child builds its root
  // meanwhile), cgroup membership, "c" (the child waits for it before it
  // unshares its cgroup namespace and drops privileges).
  status_child.reset();
  sync_r.reset();
  out_w.reset();
  err_w.reset();
  auto say = [&](const char* byte) { return send(sync_w.get(), byte, 1, MSG_NOSIGNAL) == 1 ? 0 : errno; };
  int e = write_id_maps(out.pid, plan);
  std::string step = "id_maps";
  if (e == 0 && (e = say("g")) != 0) step = "handshake";
  bool child_failed = false;
  if (e == 0 && out.cgroup) {
    e = out.cgroup->attach(out.pid);
    step = "cgroup_attach";
    // Gone already: the child failed a setup step of its own and reported
    // it on the status socket; supervise() reads and reports that.
    child_failed = e == ESRCH;
  }
  if (e == 0 && (e = say("c")) != 0) {
    step = "handshake";
    child_failed = e == EPIPE || e == ECONNRESET;
  }
  if (child_failed) return true;
  if (e != 0) {
    kill(out.pid, SIGKILL);
    sync_w.reset();
    waitpid(out.pid, nullptr, 0);
    out.pid = -1;
    if (out.cgroup) out.cgroup->destroy();
    return setup_failed(r, step, e,
                        step == "id_maps" ? "writing uid/gid maps"
                                          : (step == "cgroup_attach" ? "moving the child into its cgroup" : "signalling the child")),
           false;
  }
  return true;
}

}  // namespace cordon
