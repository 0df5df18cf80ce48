// Warm sandboxes: warm_key(), prepare_warm(), hand_over() (warm.h).
#include "sandbox/warm.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/call_message.h"
#include "child/fd_passing.h"
#include "sandbox/plan_internal.h"
#include "sandbox/supervise.h"
#include "sha256.h"

namespace cordon {

WarmSandbox::~WarmSandbox() {
  if (child.pid > 0) {
    if (child.pidfd.get() >= 0) syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
    if (child.cgroup) child.cgroup->kill_all();
    child.status.reset();
    while (waitpid(child.pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
    child.pid = -1;
  }
  if (child.cgroup) child.cgroup->destroy();
}

void WarmDeleter::operator()(WarmSandbox* w) const { delete w; }

namespace {

// Appends fields to a canonical text: each value length-prefixed, so no two
// different plans give the same text.
class KeyText {
 public:
  KeyText& add(std::string_view v) {
    text_ += std::to_string(v.size());
    text_ += ':';
    text_ += v;
    return *this;
  }
  KeyText& add(const char* v) { return v ? add(std::string_view(v)) : add(std::string_view("\x01null")); }
  KeyText& num(std::uint64_t v) { return add(std::to_string(v)); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string compute_warm_key(const SpawnPlan& plan) {
  const child::ChildSpec& sp = plan.spec;
  if (sp.n_secret_files > 0) return "";
  KeyText k;
  k.add("cordon-warm-1").add(plan.profile->name).add(plan.profile->content_sha256);
  k.num(plan.host_uid).num(plan.host_gid).num(plan.deny_setgroups).num(plan.clone_flags);
  k.num(plan.cgroup_limits.memory_bytes).num(plan.cgroup_limits.pids).add(std::to_string(plan.cgroup_limits.cpu_cores));
  k.num(plan.cgroups_wanted).num(plan.limits.memory_bytes).num(plan.limits.pids);
  for (const auto& r : plan.required) k.add(r);
  k.add("|controls");
  for (const auto& c : plan.controls) k.add(c.name).num(c.applied).add(c.detail);
  k.add("|spec").num(sp.uid).num(sp.gid).num(sp.clear_groups).num(static_cast<std::uint64_t>(sp.last_cap));
  k.num(sp.unshare_cgroup).num(sp.loopback).add(sp.staging).add(sp.root_options).add(sp.cwd).add(sp.hostname);
  for (std::size_t i = 0; i < sp.n_mounts; ++i) {
    const auto& m = sp.mounts[i];
    k.num(static_cast<std::uint64_t>(m.kind)).add(m.source).add(m.target).add(m.data);
    k.num(m.writable).num(m.optional).num(m.attr_set);
  }
  k.add("|rlimits");
  for (std::size_t i = 0; i < sp.n_rlimits; ++i)
    k.num(static_cast<std::uint64_t>(sp.rlimits[i].resource)).num(sp.rlimits[i].soft).num(sp.rlimits[i].hard);
  k.add("|landlock").num(static_cast<std::uint64_t>(sp.landlock_abi)).num(sp.landlock_handled_fs).num(sp.landlock_scoped);
  for (std::size_t i = 0; i < sp.n_landlock_rules; ++i) k.add(sp.landlock_rules[i].path).num(sp.landlock_rules[i].access);
  k.add("|seccomp").num(sp.seccomp).num(sp.skip_caps).num(sp.skip_no_new_privs);
  if (sp.seccomp_prog.filter != nullptr)
    k.add(std::string_view(reinterpret_cast<const char*>(sp.seccomp_prog.filter), sp.seccomp_prog.len * sizeof(sock_filter)));
  return sha256_hex(k.text());
}

}  // namespace

std::string warm_key(const SpawnPlan& plan) {
  std::call_once(plan.warm_key_once, [&] { plan.warm_key = compute_warm_key(plan); });
  return plan.warm_key;
}

WarmOutcome prepare_warm(const SpawnPlan& plan, int timeout_ms, Spawner* spawner) {
  WarmOutcome out;
  std::string key = warm_key(plan);
  if (key.empty()) {
    out.error = "plan: writes secret files (never served warm)";
    return out;
  }
  auto w = WarmPtr(new WarmSandbox);
  w->key = std::move(key);
  child::ChildSpec spec = plan.spec;
  spec.warm = true;
  spec.stdin_fd = -1;
  Result r;
  if (!start_child(plan, spec, plan.clone_flags, "", spawner, r, w->child)) {
    out.error = r.setup_step + ": " + r.detail;
    return out;
  }
  // Controls start_child appended (cgroup, fallbacks).
  w->cgroup_controls = std::move(r.controls);

  // Wait until it is parked (or failed).
  pollfd p{w->child.status.get(), POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    out.error = "await_call: the sandbox did not park within " + std::to_string(timeout_ms) + " ms";
    return out;  // ~WarmSandbox kills it
  }
  child::ChildMsg msg{};
  ssize_t got = recv(w->child.status.get(), &msg, sizeof msg, 0);
  if (got != static_cast<ssize_t>(sizeof msg) || msg.kind != child::MsgKind::Parked) {
    if (got == static_cast<ssize_t>(sizeof msg) && msg.kind == child::MsgKind::Error)
      out.error = std::string(child::step_name(msg.step)) + ": " + std::strerror(msg.err);
    else
      out.error = "await_call: the sandbox exited while being built";
    return out;
  }
  w->ready_ns = monotonic_ns();
  out.sandbox = std::move(w);
  return out;
}

bool warm_usable(const WarmSandbox& w) {
  if (w.child.pid <= 0 || w.handed_ns != 0) return false;
  // The pidfd polls readable once the child has exited; the status socket
  // is readable only if it sent something unexpected (it is parked).
  pollfd p[2] = {{w.child.pidfd.get(), POLLIN, 0}, {w.child.status.get(), POLLIN, 0}};
  return poll(p, 2, 0) == 0;
}

bool hand_over(WarmSandbox& w, const SpawnPlan& plan, int stdin_fd) {
  if (!warm_usable(w)) return false;
  const child::ChildSpec& sp = plan.spec;
  child::CallHeader h;
  std::string strings;
  strings.append(sp.exec_path).push_back('\0');
  for (char* const* a = sp.argv; a && *a; ++a, ++h.argc) strings.append(*a).push_back('\0');
  for (char* const* e = sp.envp; e && *e; ++e, ++h.envc) strings.append(*e).push_back('\0');
  if (h.argc == 0 || sizeof h + strings.size() > child::kMaxCallBytes ||
      static_cast<std::size_t>(h.argc) + h.envc > child::kMaxCallStrings)
    return false;
  h.bytes = static_cast<std::uint32_t>(strings.size());
  std::string msg(reinterpret_cast<const char*>(&h), sizeof h);
  msg += strings;

  w.handed_ns = monotonic_ns();
  return child::send_with_fds(w.child.status.get(), msg.data(), msg.size(), &stdin_fd, 1) ==
         static_cast<ssize_t>(msg.size());
}

}  // namespace cordon
