// Warm sandboxes and the warm pool: a call handed to a pre-built sandbox
// runs with the same containment as a cold one, every call gets a sandbox
// no other call used, and the pool stays within its bounds.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cordon/warm_pool.h"
#include "sandbox/plan_internal.h"
#include "sandbox/warm.h"
#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

PlanPtr plan_for(const std::shared_ptr<const Profile>& p, std::vector<std::string> argv,
                 std::optional<std::string> workdir = std::nullopt, std::optional<std::string> stdin_data = std::nullopt) {
  CallRequest req;
  req.rules = test_rules();
  req.argv = std::move(argv);
  req.workdir = std::move(workdir);
  req.stdin_data = std::move(stdin_data);
  PlanOutcome out = make_plan(p, req, probe_host());
  EXPECT_TRUE(out.ok()) << (out.errors.empty() ? "" : out.errors[0].to_string());
  return std::move(out.plan);
}

WarmPtr build(const SpawnPlan& plan) {
  WarmOutcome w = prepare_warm(plan);
  EXPECT_TRUE(w.sandbox) << w.error;
  return std::move(w.sandbox);
}

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

TEST(WarmSandbox, RunsTheHandedCallWithStdinEnvAndSeccomp) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  PlanPtr shape = plan_for(p, {"/bin/sh", "-c", "true"});
  ASSERT_TRUE(shape);
  WarmPtr w = build(*shape);
  ASSERT_TRUE(w);
  EXPECT_TRUE(warm_usable(*w));

  // The call: another argv, stdin data, and a syscall the profile denies.
  PlanPtr call = plan_for(p, {"/bin/sh", "-c", "read line; echo \"got $line\"; echo pid=$$; /opt/probe/cordon-probe ptrace"},
                          std::nullopt, std::string("hello warm\n"));
  ASSERT_TRUE(call);
  ASSERT_EQ(warm_key(*call), w->key);
  Result r = run_plan(*call, {}, std::move(w));
  ASSERT_EQ(r.outcome, Outcome::Violation) << describe(r);  // the profile kills on ptrace
  EXPECT_TRUE(r.warm);
  EXPECT_NE(r.stdout_.data.find("got hello warm"), std::string::npos) << r.stdout_.data;
  EXPECT_NE(r.stdout_.data.find("pid=2\n"), std::string::npos) << r.stdout_.data;  // pid 2 in its own pid namespace
  EXPECT_NE(find_denial(r, "ptrace"), nullptr) << describe(r);                    // seccomp applies
  const Control* seccomp = find_control(r, "seccomp");
  ASSERT_NE(seccomp, nullptr);
  EXPECT_TRUE(seccomp->applied);
  ASSERT_NE(find_control(r, "cgroup_memory"), nullptr);
  // Only the steps after the hand-over are timed for the call.
  bool has_await = false, has_mount = false;
  for (const auto& s : r.setup_steps) {
    has_await |= s.step == "await_call";
    has_mount |= s.step == "bind_mounts";
  }
  EXPECT_TRUE(has_await);
  EXPECT_FALSE(has_mount);
}

TEST(WarmSandbox, EachSandboxServesOneCallAndSharesNothing) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  PlanPtr shape = plan_for(p, {"/bin/sh", "-c", "true"});
  ASSERT_TRUE(shape);
  WarmPtr a = build(*shape);
  WarmPtr b = build(*shape);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->child.pid, b->child.pid);
  PlanPtr write = plan_for(p, {"/bin/sh", "-c", "ls /tmp; echo secret > /tmp/left-behind; echo wrote"});
  PlanPtr look = plan_for(p, {"/bin/sh", "-c", "ls /tmp; cat /tmp/left-behind 2>&1 || echo clean"});
  Result r1 = run_plan(*write, {}, std::move(a));
  Result r2 = run_plan(*look, {}, std::move(b));
  ASSERT_EQ(r1.outcome, Outcome::Ok) << describe(r1);
  ASSERT_EQ(r2.outcome, Outcome::Ok) << describe(r2);
  EXPECT_TRUE(r1.warm && r2.warm);
  EXPECT_NE(r1.stdout_.data.find("wrote"), std::string::npos);
  EXPECT_NE(r2.stdout_.data.find("clean"), std::string::npos) << r2.stdout_.data;
}

TEST(WarmSandbox, ADeadSandboxFallsBackToACleanColdStart) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  PlanPtr shape = plan_for(p, {"/bin/sh", "-c", "true"});
  WarmPtr w = build(*shape);
  ASSERT_TRUE(w);
  syscall(SYS_pidfd_send_signal, w->child.pidfd.get(), SIGKILL, nullptr, 0);
  for (int i = 0; i < 200 && warm_usable(*w); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(warm_usable(*w));
  PlanPtr call = plan_for(p, {"/bin/sh", "-c", "echo cold"});
  Result r = run_plan(*call, {}, std::move(w));
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_FALSE(r.warm);
  EXPECT_EQ(r.stdout_.data, "cold\n");
}

TEST(WarmSandbox, KeyFollowsWhatTheSandboxAlreadyApplied) {
  TempDir a, b;
  nlohmann::json j = base_profile();
  j["filesystem"]["workspace"] = {{"mode", "rw"}, {"target", "/work"}};
  auto p = profile_from(j);
  ASSERT_TRUE(p);
  PlanPtr pa1 = plan_for(p, {"/bin/sh", "-c", "true"}, a.path());
  PlanPtr pa2 = plan_for(p, {"/bin/sh", "-c", "echo other argv"}, a.path(), std::string("stdin"));
  PlanPtr pb = plan_for(p, {"/bin/sh", "-c", "true"}, b.path());
  ASSERT_TRUE(pa1 && pa2 && pb);
  EXPECT_EQ(warm_key(*pa1), warm_key(*pa2));  // argv, stdin: per call
  EXPECT_NE(warm_key(*pa1), warm_key(*pb));   // another workspace: another shape
  nlohmann::json j2 = j;
  j2["limits"]["memory"] = "96M";
  auto p2 = profile_from(j2);
  ASSERT_TRUE(p2);
  PlanPtr pc = plan_for(p2, {"/bin/sh", "-c", "true"}, a.path());
  ASSERT_TRUE(pc);
  EXPECT_NE(warm_key(*pa1), warm_key(*pc));  // other limits

  // A sandbox for workspace a refuses a call for workspace b (runs cold).
  WarmPtr w = build(*pa1);
  ASSERT_TRUE(w);
  b.write("only-in-b", "b\n");
  PlanPtr call_b = plan_for(p, {"/bin/sh", "-c", "ls /work"}, b.path());
  Result r = run_plan(*call_b, {}, std::move(w));
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_FALSE(r.warm);
  EXPECT_EQ(r.stdout_.data, "only-in-b\n");
}

TEST(WarmSandbox, DroppingAnUnusedSandboxLeavesNothing) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  PlanPtr shape = plan_for(p, {"/bin/sh", "-c", "true"});
  WarmPtr w = build(*shape);
  ASSERT_TRUE(w);
  pid_t pid = w->child.pid;
  EXPECT_TRUE(alive(pid));
  w.reset();
  EXPECT_FALSE(alive(pid));
}

TEST(WarmPool, LearnsAShapeFromDemandAndServesWarmWithinItsBounds) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  WarmPoolConfig cfg;
  cfg.sizes[p->name] = 2;
  cfg.max_total = 2;
  WarmPool pool(cfg);
  auto factory = [p] { return plan_for(p, {"/bin/sh", "-c", "true"}); };

  PlanPtr first = plan_for(p, {"/bin/sh", "-c", "echo one"});
  EXPECT_EQ(pool.take(*first, factory), nullptr);  // a miss: the shape is new
  for (int i = 0; i < 500 && pool.stats().ready < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(pool.stats().ready, 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(pool.stats().ready, 2u);  // never more than the size

  std::vector<pid_t> used;
  for (int call = 0; call < 4; ++call) {
    PlanPtr plan = plan_for(p, {"/bin/sh", "-c", "echo call" + std::to_string(call)});
    for (int i = 0; i < 500 && pool.stats().ready == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    WarmPtr w = pool.take(*plan, factory);
    ASSERT_TRUE(w) << "call " << call << ": " << pool.stats().last_error;
    for (pid_t u : used) EXPECT_NE(u, w->child.pid);
    used.push_back(w->child.pid);
    Result r = run_plan(*plan, {}, std::move(w));
    ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
    EXPECT_TRUE(r.warm);
    EXPECT_EQ(r.stdout_.data, "call" + std::to_string(call) + "\n");
  }
  WarmPoolStats st = pool.stats();
  EXPECT_EQ(st.hits, 4u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.shapes, 1u);

  // A profile without a pool size is not pooled.
  nlohmann::json other = base_profile();
  other["name"] = "not-pooled";
  auto q = profile_from(other);
  ASSERT_TRUE(q);
  PlanPtr qp = plan_for(q, {"/bin/sh", "-c", "true"});
  EXPECT_EQ(pool.take(*qp, [q] { return plan_for(q, {"/bin/sh", "-c", "true"}); }), nullptr);
  EXPECT_EQ(pool.stats().shapes, 1u);

  // clear() kills what is parked.
  for (int i = 0; i < 500 && pool.stats().ready < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pool.clear();
  EXPECT_EQ(pool.stats().ready, 0u);
}

TEST(WarmPool, DestroyingThePoolKillsEveryParkedSandbox) {
  auto p = profile_from(base_profile());
  ASSERT_TRUE(p);
  const std::string marker = "cordon-warm-marker-" + std::to_string(getpid());
  {
    WarmPoolConfig cfg;
    cfg.sizes[p->name] = 3;
    WarmPool pool(cfg);
    auto factory = [p] { return plan_for(p, {"/bin/sh", "-c", "true"}); };
    PlanPtr plan = plan_for(p, {"/bin/sh", "-c", "true"});
    EXPECT_EQ(pool.take(*plan, factory), nullptr);
    for (int i = 0; i < 500 && pool.stats().ready < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(pool.stats().ready, 3u);
  }
  // Reaped: no child of ours is left (neither running nor a zombie).
  int children = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream st(e.path() / "stat");
    std::string line;
    std::getline(st, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid()) ++children;
  }
  EXPECT_EQ(children, 0);
}

}  // namespace
}  // namespace cordon::test
