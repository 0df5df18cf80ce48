#include "sandbox/supervise.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <map>
#include <vector>

#include "child/child_spec.h"
#include "child/fd_passing.h"
#include "sandbox/syscall_names.h"

namespace cordon {

std::uint64_t free_bytes(const std::string& path) {
  struct statvfs sv{};
  if (statvfs(path.c_str(), &sv) != 0) return 0;
  return static_cast<std::uint64_t>(sv.f_bavail) * sv.f_frsize;
}

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

namespace {

constexpr std::uint64_t kTickNs = 20'000'000;  // cgroup checks while running
constexpr int kX32Bit = 0x40000000;
// A tool that makes this many denied syscalls is flooding the supervisor.
constexpr std::uint64_t kMaxDenials = 100'000;

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

class Supervisor {
 public:
  Supervisor(const SpawnPlan& plan, Supervised& s, Result& r) : plan_(plan), s_(s), r_(r) {
    deadline_ns_ = s.t0_ns + plan.wall_ms * 1'000'000ull;
  }

  void run() {
    while (!reaped_) {
      poll_once();
      if (exited_) reap();
    }
    drain_outputs();
    if (read_buf_) explicit_bzero(read_buf_.get(), read_buf_used_);
    finish();
  }

 private:
  // First cause wins.
  void cause(Outcome o, std::string detail, std::string limit = "") {
    if (cause_) return;
    cause_ = o;
    r_.detail = std::move(detail);
    r_.limit_hit = std::move(limit);
  }

  // Every process of the call is in its pid namespace, and the kernel ends
  // the namespace with its init. A v2 cgroup.kill is one more write; a v1
  // sweep (a kill per pid) only competes with the kernel's own teardown
  // (about twice as slow for 1,000 processes), so it runs at once only
  // when init could not be signalled, and otherwise if the tree is not gone
  // 200 ms later (poll_once). The cgroup is emptied before it is removed
  // either way (CallCgroup::destroy). `sweep` forces the cgroup sweep.
  // `offender` (a host pid blocked in a denied syscall, from a seccomp
  // notification) is killed first and synchronously: it must not run on
  // after the denial, while the kernel tears the namespace down.
  void kill_tree(pid_t offender = 0, bool sweep = false) {
    if (kill_ns_ == 0) kill_ns_ = monotonic_ns();
    if (offender > 0) kill(offender, SIGKILL);
    bool signalled = syscall(SYS_pidfd_send_signal, s_.pidfd, SIGKILL, nullptr, 0) == 0;
    if (s_.cgroup && (sweep || !signalled || s_.cgroup->kill_is_atomic())) s_.cgroup->kill_all();
    // Signalled: the tree runs no more user code, and its exits (charged to
    // the group) are not held to the cpu_cores quota.
    if (s_.cgroup) s_.cgroup->lift_cpu_limit();
  }


  void poll_once() {
    std::vector<pollfd> fds;
    enum Src { kStatus, kOut, kErr, kIn, kNotify, kPid, kCancel };
    std::vector<Src> src;
    auto add = [&](int fd, short ev, Src k) {
      if (fd < 0) return;
      fds.push_back(pollfd{fd, ev, 0});
      src.push_back(k);
    };
    add(s_.status_fd, POLLIN, kStatus);
    add(s_.stdout_fd, POLLIN, kOut);
    add(s_.stderr_fd, POLLIN, kErr);
    if (exec_ok_) add(s_.stdin_fd, POLLOUT, kIn);
    add(notify_fd_, POLLIN, kNotify);
    add(s_.pidfd, POLLIN, kPid);
    add(s_.cancel_fd, POLLIN, kCancel);

    std::uint64_t now = monotonic_ns();
    std::uint64_t wake = deadline_ns_;
    if (ticking()) wake = std::min(wake, next_tick_ns_ ? next_tick_ns_ : now + kTickNs);
    int timeout_ms = wake <= now ? 0 : static_cast<int>(std::min<std::uint64_t>((wake - now) / 1'000'000 + 1, 1000));
    if (kill_ns_ != 0) timeout_ms = std::min(timeout_ms, 10);
    int n = poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) n = 0;
    for (std::size_t i = 0; n > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      switch (src[i]) {
        case kStatus: on_status(); break;
        case kOut: read_stream(s_.stdout_fd, r_.stdout_, plan_.limits.stdout_bytes, "stdout", 1); break;
        case kErr: read_stream(s_.stderr_fd, r_.stderr_, plan_.limits.stderr_bytes, "stderr", 2); break;
        case kIn: feed_stdin(); break;
        case kNotify: on_notify(fds[i].revents); break;
        case kPid: exited_ = true; break;
        case kCancel:
          cause(Outcome::Killed, "stopped on request");
          kill_tree();
          close_fd(s_.cancel_fd);
          break;
      }
    }
    now = monotonic_ns();
    // Still not gone 200 ms after the kill: signal init again and sweep the
    // cgroup too, whatever the version (once).
    if (kill_ns_ != 0 && !exited_ && !swept_ && now - kill_ns_ > 200'000'000ull) {
      swept_ = true;
      kill_tree(0, /*sweep=*/true);
    }
    if (now >= deadline_ns_ && !exited_) {
      cause(Outcome::Timeout, "wall-time limit of " + std::to_string(plan_.wall_ms) + " ms", "wall_time");
      kill_tree();
      deadline_ns_ = now + 1'000'000'000ull;  // re-kill once a second until gone
    }
    if (ticking() && now >= next_tick_ns_) {
      next_tick_ns_ = now + kTickNs;
      if (s_.cgroup) check_cgroup();
      check_disk();
    }
  }

  // Handles one message; false when none is waiting (EAGAIN).
  bool on_status() {
    child::ChildMsg msg{};
    child::Received got;
    ssize_t n = child::recv_with_fds(s_.status_fd, &msg, sizeof msg, 1, got);
    if (n < 0 && errno == EAGAIN) return false;
    if (n <= 0) {  // EOF: init is gone
      close_fd(s_.status_fd);
      return true;
    }
    // Only Ready carries a descriptor (the seccomp listener).
    if (static_cast<std::size_t>(n) != sizeof msg || msg.kind != child::MsgKind::Ready) got.close_all();
    if (static_cast<std::size_t>(n) != sizeof msg) return true;
    switch (msg.kind) {
      case child::MsgKind::Ready:
        if (s_.opts && s_.opts->on_started) s_.opts->on_started();
        ready_ = true;
        exec_ok_ = true;
        ready_ns_ = monotonic_ns();
        last_msg_ = msg;
        if (got.nfds == 1) notify_fd_ = got.fds[0];
        break;
      case child::MsgKind::ToolExit:
        tool_status_ = msg.tool_status;
        tool_cpu_us_ = msg.tool_cpu_us;
        tool_maxrss_kb_ = msg.tool_maxrss_kb;
        break;
      case child::MsgKind::Error:
        setup_failed_ = true;
        if (!ready_) last_msg_ = msg;
        cause(Outcome::SetupError, std::string("sandbox setup failed at step '") + child::step_name(msg.step) +
                                       "': " + std::strerror(msg.err));
        r_.setup_step = child::step_name(msg.step);
        r_.setup_errno = msg.err;
        break;
      case child::MsgKind::Parked:  // consumed by prepare_warm; never after the hand-over
        break;
    }
    return true;
  }

  void read_stream(int& fd, OutputStream& out, std::uint64_t cap, const char* name, int stream) {
    // On the heap, for this call only: a 64 KiB stack buffer stayed resident
    // on every worker thread of the daemon that ever read a full pipe.
    if (!read_buf_) read_buf_.reset(new char[kReadBuf]);
    char* buf = read_buf_.get();
    std::uint64_t& kept_total = stream == 2 ? kept_err_ : kept_out_;
    for (int rounds = 0; rounds < 16; ++rounds) {
      ssize_t n = read(fd, buf, kReadBuf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;  // EAGAIN
      if (n == 0) {
        close_fd(fd);
        return;
      }
      auto len = static_cast<std::uint64_t>(n);
      read_buf_used_ = std::max(read_buf_used_, static_cast<std::size_t>(n));
      out.total_bytes += len;
      std::uint64_t room = cap > kept_total ? cap - kept_total : 0;
      const auto kept = static_cast<std::size_t>(std::min(room, len));
      kept_total += kept;
      if (kept > 0) {
        // Raw bytes go only to the filter; only its output is kept.
        std::string text = s_.output->feed(stream, std::string_view(buf, kept));
        out.data += text;
        if (!text.empty() && s_.output->live() && s_.opts && s_.opts->on_output) s_.opts->on_output(stream, text);
      }
      if (len > room) {
        out.truncated = true;
        if (plan_.limits.on_output_limit == OutputLimitAction::Kill) {
          cause(Outcome::OutputLimit, std::string(name) + " exceeded " + std::to_string(cap) + " bytes", name);
          kill_tree();
          close_fd(fd);
          return;
        }
      }
    }
  }

  void feed_stdin() {
    if (!s_.stdin_data) {
      close_fd(s_.stdin_fd);
      return;
    }
    const std::string& d = *s_.stdin_data;
    while (stdin_off_ < d.size()) {
      ssize_t n = write(s_.stdin_fd, d.data() + stdin_off_, d.size() - stdin_off_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0) break;  // EPIPE: the tool closed stdin
      stdin_off_ += static_cast<std::size_t>(n);
    }
    close_fd(s_.stdin_fd);
  }

  void record_denial(const std::string& name, int nr, const char* action, int err) {
    auto& d = denials_[name];
    d.syscall = name;
    d.nr = nr;
    d.action = action;
    d.errno_value = err;
    ++d.count;
  }

  void on_notify(short revents) {
    if (revents & (POLLHUP | POLLERR)) {
      close_fd(notify_fd_);
      return;
    }
    seccomp_notif req{};
    if (ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return;  // ENOENT: the task is gone
    seccomp_notif_resp resp{};
    resp.id = req.id;
    const int nr = req.data.nr;
    bool foreign = req.data.arch != AUDIT_ARCH_X86_64 || (nr & kX32Bit) != 0;
    if (foreign) {
      std::string name = req.data.arch == AUDIT_ARCH_I386 ? "i386:" + std::to_string(nr)
                         : (nr & kX32Bit)                  ? "x32:" + syscall_name(nr & ~kX32Bit)
                                                           : "arch:" + std::to_string(nr);
      record_denial(name, nr, "kill", 0);
      cause(Outcome::Violation, "foreign-architecture syscall " + name);
      kill_tree(static_cast<pid_t>(req.pid));
      resp.error = -EPERM;
    } else {
      auto it = plan_.seccomp.by_nr.find(nr);
      DenyRule rule = it != plan_.seccomp.by_nr.end() ? it->second : DenyRule{syscall_name(nr), SyscallAction::Errno, EPERM};
      std::uint32_t arg0 = static_cast<std::uint32_t>(req.data.args[0]);
      if (rule.allow_plain_personality && (arg0 == 0 || arg0 == 0xffffffffu)) {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;  // by-value argument: no TOCTOU
      } else if (rule.action == SyscallAction::Kill) {
        record_denial(rule.name, nr, "kill", 0);
        cause(Outcome::Violation, "denied syscall " + rule.name);
        kill_tree(static_cast<pid_t>(req.pid));
        resp.error = -EPERM;
      } else {
        record_denial(rule.name, nr, "errno", rule.errno_value);
        resp.error = -rule.errno_value;
      }
    }
    (void)ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    if (++denial_total_ == kMaxDenials) {
      cause(Outcome::Violation, "denied-syscall flood (" + std::to_string(kMaxDenials) + " denials)");
      kill_tree();  // not req.pid: it runs again once answered, and its pid may already be free
    }
  }

  bool ticking() const { return exec_ok_ && (s_.cgroup || !s_.disk_free_at_start.empty()); }

  void check_disk() {
    const std::uint64_t limit = plan_.limits.disk_bytes;
    if (limit == 0) return;
    for (const auto& [path, start] : s_.disk_free_at_start) {
      std::uint64_t now = free_bytes(path);
      if (now < start && start - now > limit) {
        cause(Outcome::OutputLimit,
              "used up more than " + std::to_string(limit) + " bytes of disk on the host filesystem of " + path,
              "disk");
        kill_tree();
      }
    }
  }

  void check_cgroup() {
    const CallCgroup& cg = *s_.cgroup;
    if (plan_.limits.memory_bytes > 0 && cg.oom_kills() > 0) {
      cause(Outcome::MemoryLimit, "memory limit of " + std::to_string(plan_.limits.memory_bytes) + " bytes", "memory");
      kill_tree();
    }
    if (plan_.limits.pids > 0 && cg.pids_limit_hits() > 0) {
      cause(Outcome::PidsLimit, "pids limit of " + std::to_string(plan_.limits.pids), "pids");
      kill_tree();
    }
    if (plan_.limits.cpu_time_ms > 0 && cg.tracks_cpu() &&
        cg.cpu_usage_ns() >= plan_.limits.cpu_time_ms * 1'000'000ull) {
      cause(Outcome::Timeout, "cpu-time limit of " + std::to_string(plan_.limits.cpu_time_ms) + " ms", "cpu_time");
      kill_tree();
    }
  }

  void reap() {
    rusage ru{};
    int status = 0;
    pid_t p = wait4(s_.pid, &status, WNOHANG | __WALL, &ru);
    if (p == 0) return;  // not yet
    reaped_ = true;
    status_ = status;
    ru_ = ru;
    gone_ns_ = monotonic_ns();
  }

  void drain_outputs() {
    // Every writer is gone (the pid namespace is empty): read to EOF.
    for (int i = 0; i < 64 && (s_.stdout_fd >= 0 || s_.stderr_fd >= 0); ++i) {
      if (s_.stdout_fd >= 0) read_stream(s_.stdout_fd, r_.stdout_, plan_.limits.stdout_bytes, "stdout", 1);
      if (s_.stderr_fd >= 0) read_stream(s_.stderr_fd, r_.stderr_, plan_.limits.stderr_bytes, "stderr", 2);
    }
    // Init is reaped; a message not there now will never come (a holder of
    // the other end outside the namespace must not make this spin).
    while (s_.status_fd >= 0 && on_status()) {
    }
  }

  void finish() {
    const std::uint64_t end = gone_ns_ ? gone_ns_ : monotonic_ns();
    r_.wall_ms = (end - s_.t0_ns) / 1'000'000;
    if (kill_ns_ != 0 && end > kill_ns_) r_.contain_us = (end - kill_ns_) / 1000;
    fill_setup_timings();

    if (s_.cgroup) check_cgroup_after();
    std::uint64_t cpu_ns = s_.cgroup && s_.cgroup->tracks_cpu() ? s_.cgroup->cpu_usage_ns() : 0;
    if (cpu_ns == 0)
      cpu_ns = (static_cast<std::uint64_t>(ru_.ru_utime.tv_sec + ru_.ru_stime.tv_sec) * 1'000'000ull +
                static_cast<std::uint64_t>(ru_.ru_utime.tv_usec + ru_.ru_stime.tv_usec)) * 1000ull +
               tool_cpu_us_ * 1000ull;
    r_.cpu_ms = cpu_ns / 1'000'000;
    r_.peak_memory_bytes = s_.cgroup ? s_.cgroup->peak_memory_bytes() : 0;
    if (r_.peak_memory_bytes == 0) r_.peak_memory_bytes = tool_maxrss_kb_ * 1024;

    for (auto& [name, d] : denials_) r_.denials.push_back(d);

    // The tool's own status when init reported it; else init's (killed).
    if (tool_status_) status_ = *tool_status_;
    if (WIFSIGNALED(status_)) r_.signal = WTERMSIG(status_);
    if (!ready_ && !cause_) {
      cause(Outcome::SetupError, "the sandbox child died during setup");
      r_.setup_step = "unknown";
    }
    flush_output();
    if (cause_) {
      r_.outcome = *cause_;
      if (r_.outcome == Outcome::SetupError) {
        r_.stdout_ = {};
        r_.stderr_ = {};
      }
    } else if (WIFEXITED(status_)) {
      r_.exit_code = WEXITSTATUS(status_);
      r_.outcome = *r_.exit_code == 0 ? Outcome::Ok : Outcome::ExitNonzero;
      r_.detail = *r_.exit_code == 0 ? "" : "exited with " + std::to_string(*r_.exit_code);
    } else if (WIFSIGNALED(status_)) {
      int sig = WTERMSIG(status_);
      r_.outcome = Outcome::Signaled;
      r_.detail = std::string("terminated by ") + sigabbrev_np(sig);
      if (sig == SIGXFSZ) r_.limit_hit = "file_size";
      if (sig == SIGXCPU || (sig == SIGKILL && plan_.limits.cpu_time_ms > 0 && r_.cpu_ms >= plan_.limits.cpu_time_ms)) {
        r_.outcome = Outcome::Timeout;
        r_.limit_hit = "cpu_time";
        r_.detail = "cpu-time limit of " + std::to_string(plan_.limits.cpu_time_ms) + " ms";
      }
    }
    if (r_.outcome != Outcome::SetupError) r_.setup_step.clear();
    close_fd(s_.stdout_fd);
    close_fd(s_.stderr_fd);
    close_fd(s_.stdin_fd);
    close_fd(s_.status_fd);
    close_fd(notify_fd_);
    close_fd(s_.pidfd);
  }

  // The filter's held-back tail, classification, withhold / envelope; the
  // last chunk of live output is passed on too.
  void flush_output() {
    s_.output->finish(r_);
    if (!s_.output->live() || !s_.opts || !s_.opts->on_output) return;
    if (!s_.output->tail(1).empty()) s_.opts->on_output(1, s_.output->tail(1));
    if (!s_.output->tail(2).empty()) s_.opts->on_output(2, s_.output->tail(2));
  }

  // Limits whose events may have come after the last tick.
  void check_cgroup_after() {
    const CallCgroup& cg = *s_.cgroup;
    if (plan_.limits.memory_bytes > 0 && cg.oom_kills() > 0)
      cause(Outcome::MemoryLimit, "memory limit of " + std::to_string(plan_.limits.memory_bytes) + " bytes", "memory");
    if (plan_.limits.pids > 0 && cg.pids_limit_hits() > 0)
      cause(Outcome::PidsLimit, "pids limit of " + std::to_string(plan_.limits.pids), "pids");
  }

  void fill_setup_timings() {
    if (!ready_ && !setup_failed_) return;
    std::uint64_t prev = s_.t0_ns;
    for (std::size_t i = 0; i < static_cast<std::size_t>(child::Step::kCount); ++i) {
      std::uint64_t end = last_msg_.step_end_ns[i];
      if (end == 0 || end < prev) continue;
      r_.setup_steps.push_back(StepTiming{child::step_name(static_cast<child::Step>(i)), end - prev});
      prev = end;
    }
    if (ready_) r_.setup_us = (ready_ns_ - s_.t0_ns) / 1000;
  }

  const SpawnPlan& plan_;
  Supervised& s_;
  Result& r_;
  std::optional<Outcome> cause_;
  std::uint64_t deadline_ns_ = 0;
  static constexpr std::size_t kReadBuf = 65536;  // a full pipe
  std::unique_ptr<char[]> read_buf_;  // uninitialised: only what read() fills is touched
  std::size_t read_buf_used_ = 0;     // ... up to here; wiped at the end (raw, unfiltered bytes)
  std::uint64_t next_tick_ns_ = 0;
  std::uint64_t kill_ns_ = 0;
  bool swept_ = false;  // the late cgroup sweep after a kill has run
  std::uint64_t gone_ns_ = 0;
  std::uint64_t ready_ns_ = 0;
  int notify_fd_ = -1;
  bool ready_ = false;
  bool setup_failed_ = false;
  bool exec_ok_ = false;
  bool exited_ = false;
  bool reaped_ = false;
  int status_ = 0;
  rusage ru_{};
  std::size_t stdin_off_ = 0;
  std::uint64_t denial_total_ = 0;
  std::uint64_t kept_out_ = 0;  // raw bytes within the caps
  std::uint64_t kept_err_ = 0;
  std::optional<int> tool_status_;
  std::uint64_t tool_cpu_us_ = 0;
  std::uint64_t tool_maxrss_kb_ = 0;
  child::ChildMsg last_msg_{};
  std::map<std::string, Denial> denials_;
};

}  // namespace

void supervise(const SpawnPlan& plan, Supervised& s, Result& r) { Supervisor(plan, s, r).run(); }

}  // namespace cordon
