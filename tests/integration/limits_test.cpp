// Resource limits: each is enforced, reported as such, and the whole
// process tree is gone when the call returns.
#include <unistd.h>

#include <filesystem>

#include "cordon/host.h"
#include "sandbox/cgroup.h"
#include "sandbox/fsutil.h"
#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

TEST(Limits, WallTimeKillsTheWholeTree) {
  auto prof = base_profile();
  prof["limits"]["wall_time"] = "700ms";
  const std::string marker = "sleep 4242.4242";
  Result r = run(prof, {"/bin/sh", "-c", marker + " & " + marker + " & " + marker});
  EXPECT_EQ(r.outcome, Outcome::Timeout) << describe(r);
  EXPECT_EQ(r.limit_hit, "wall_time");
  EXPECT_LT(r.wall_ms, 3000u);
  EXPECT_EQ(count_host_processes(marker), 0);
  EXPECT_EQ(exit_status_for(r), kExitTimeout);
}

TEST(Limits, ToolIgnoringSigtermIsStillStopped) {
  auto prof = base_profile();
  prof["limits"]["wall_time"] = "500ms";
  Result r = run(prof, {kProbe, "ignore_term"});
  EXPECT_EQ(r.outcome, Outcome::Timeout) << describe(r);
  EXPECT_NE(r.stdout_.data.find("ignoring SIGTERM"), std::string::npos);
}

// A killed call's exits are not held to its cpu_cores quota: the supervisor
// lifts it when it kills (a 1,000-process tree on one core took twice as
// long to go as on two).
TEST(Limits, CpuQuotaIsLiftedForTheTeardown) {
  if (!running_as_root()) GTEST_SKIP() << "per-call cgroups need root here";
  HostInfo host = probe_host();
  ASSERT_NE(host.cgroups.version, 0) << "no usable cgroup hierarchy as root";
  CgroupLimits limits;
  limits.cpu_cores = 0.5;
  std::vector<Control> controls;
  const std::string name = std::to_string(getpid()) + "-lift-test";
  auto cg = CallCgroup::create(host.cgroups, name, limits, controls);
  ASSERT_TRUE(cg);
  const std::string dir =
      host.cgroups.version == 2 ? host.cgroups.v2_parent + "/cordon/" + name : host.cgroups.v1_cpu + "/" + name;
  const std::string file = host.cgroups.version == 2 ? dir + "/cpu.max" : dir + "/cpu.cfs_quota_us";
  auto before = read_small_file(file);
  ASSERT_TRUE(before) << file;
  EXPECT_EQ(*before, host.cgroups.version == 2 ? "50000 100000\n" : "50000\n");
  cg->lift_cpu_limit();
  auto after = read_small_file(file);
  ASSERT_TRUE(after) << file;
  EXPECT_EQ(*after, host.cgroups.version == 2 ? "max 100000\n" : "-1\n");
  cg->destroy();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(Limits, KilledProcessTreeOfManyIsContained) {
  auto prof = base_profile();
  prof["limits"]["wall_time"] = "1500ms";
  prof["limits"]["pids"] = 512;
  Result r = run(prof, {kProbe, "fork_tree", "300"});
  EXPECT_EQ(r.outcome, Outcome::Timeout) << describe(r);
  EXPECT_GT(r.contain_us, 0u);
  EXPECT_EQ(count_host_processes("cordon-probe fork_tree 300"), 0);
}

TEST(Limits, MemoryBombHitsTheMemoryLimit) {
  auto prof = base_profile();
  prof["limits"]["memory"] = "64M";
  Result r = run(prof, {"/usr/bin/python3", "-c", "x=[]\nwhile True: x.append(bytearray(1<<20))"});
  if (find_control(r, "cgroup_memory")->applied) {
    EXPECT_EQ(r.outcome, Outcome::MemoryLimit) << describe(r);
    EXPECT_EQ(r.limit_hit, "memory");
    EXPECT_EQ(exit_status_for(r), kExitLimit);
  } else {
    // Unprivileged fallback (RLIMIT_AS): allocation fails inside the tool.
    EXPECT_EQ(r.outcome, Outcome::ExitNonzero) << describe(r);
    EXPECT_NE(r.stderr_.data.find("MemoryError"), std::string::npos) << describe(r);
  }
}

TEST(Limits, ForkBombHitsThePidsLimit) {
  auto prof = base_profile();
  prof["limits"]["pids"] = 16;
  prof["limits"]["wall_time"] = "10s";
  Result r = run(prof, {"/bin/sh", "-c", "b() { b | b & }; b; sleep 3"});
  if (find_control(r, "cgroup_pids")->applied) {
    EXPECT_EQ(r.outcome, Outcome::PidsLimit) << describe(r);
    EXPECT_EQ(r.limit_hit, "pids");
    EXPECT_LT(r.wall_ms, 3000u);
  } else {
    // RLIMIT_NPROC contains the bomb, but without a cgroup no counter says
    // it was hit; the result names the weaker control instead.
    EXPECT_NE(find_control(r, "pids_rlimit_fallback"), nullptr) << describe(r);
    EXPECT_LT(r.wall_ms, 9000u);
  }
  EXPECT_EQ(count_host_processes("b() { b | b & }"), 0);
}

TEST(Limits, OutputFloodIsStoppedAndCapped) {
  auto prof = base_profile();
  prof["limits"]["stdout"] = "64K";
  Result r = run(prof, {"/bin/sh", "-c", "yes cordon-flood"});
  EXPECT_EQ(r.outcome, Outcome::OutputLimit) << describe(r);
  EXPECT_EQ(r.limit_hit, "stdout");
  EXPECT_TRUE(r.stdout_.truncated);
  EXPECT_EQ(r.stdout_.data.size(), 64u * 1024u);
  EXPECT_GT(r.stdout_.total_bytes, 64u * 1024u);
}

TEST(Limits, OutputCanBeTruncatedInsteadOfKilled) {
  auto prof = base_profile();
  prof["limits"]["stderr"] = "1K";
  prof["limits"]["on_output_limit"] = "truncate";
  Result r = run(prof, {"/bin/sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line $i >&2; i=$((i+1)); done; echo fine"});
  EXPECT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_TRUE(r.stderr_.truncated);
  EXPECT_EQ(r.stderr_.data.size(), 1024u);
  EXPECT_EQ(r.stdout_.data, "fine\n");
}

TEST(Limits, CpuTimeLimitStopsASpinner) {
  auto prof = base_profile();
  prof["limits"]["cpu_time"] = "1s";
  prof["limits"]["wall_time"] = "10s";
  Result r = run(prof, {kProbe, "spin"});
  EXPECT_EQ(r.outcome, Outcome::Timeout) << describe(r);
  EXPECT_EQ(r.limit_hit, "cpu_time");
  EXPECT_LT(r.wall_ms, 5000u);
}

TEST(Limits, FileSizeLimit) {
  auto prof = base_profile();
  prof["limits"]["file_size"] = "1M";
  Result r = run(prof, {kProbe, "fsize", "/work/big"});
  EXPECT_EQ(r.outcome, Outcome::Signaled) << describe(r);
  EXPECT_EQ(r.limit_hit, "file_size");
}

TEST(Limits, DiskFillThroughAWritableWorkspaceIsStopped) {
  TempDir ws;
  auto prof = base_profile();
  prof["filesystem"]["workspace"] = {{"mode", "rw"}, {"target", "/work"}};
  prof["limits"]["disk"] = "32M";
  prof["limits"]["file_size"] = "4M";  // many files, each under the file-size limit
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do head -c 4000000 /dev/zero > /work/f$i || exit 3; i=$((i+1)); done"};
  s.workdir = ws.path();
  Result r = run(prof, s);
  EXPECT_EQ(r.outcome, Outcome::OutputLimit) << describe(r);
  EXPECT_EQ(r.limit_hit, "disk");
  std::uint64_t written = 0;
  for (const auto& e : std::filesystem::directory_iterator(ws.path())) written += e.file_size();
  EXPECT_LT(written, 512ull << 20) << "stopped long before the 8 GB it tried to write";
}

TEST(Limits, TmpfsSizeIsBounded) {
  Result r = sh("dd if=/dev/zero of=/work/fill bs=1M count=64 2>&1; echo rc=$?");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("No space left"), std::string::npos) << r.stdout_.data;
}

TEST(Limits, RequestCanOnlyNarrowTheTimeout) {
  auto p = profile_from(base_profile());
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", "sleep 5"};
  req.wall_time_ms = 300;
  PlanOutcome plan = make_plan(p, req, probe_host());
  ASSERT_TRUE(plan.ok());
  Result r = run_plan(*plan.plan);
  EXPECT_EQ(r.outcome, Outcome::Timeout);
  req.wall_time_ms = 3'600'000;
  EXPECT_FALSE(make_plan(p, req, probe_host()).ok());
}

TEST(Limits, CancelFdKillsTheCall) {
  auto p = profile_from(base_profile());
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", "sleep 30"};
  PlanOutcome plan = make_plan(p, req, probe_host());
  ASSERT_TRUE(plan.ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  RunOptions o;
  o.cancel_fd = fds[0];
  Result r = run_plan(*plan.plan, o);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(r.outcome, Outcome::Killed) << describe(r);
  EXPECT_LT(r.wall_ms, 5000u);
}

TEST(Limits, FirstCauseWinsViolationThenTimeout) {
  // The tool is killed for a violation; nothing after changes the outcome.
  auto prof = base_profile();
  prof["limits"]["wall_time"] = "2s";
  Result r = run(prof, {"/bin/sh", "-c", "/opt/probe/cordon-probe ptrace; sleep 10"});
  EXPECT_EQ(r.outcome, Outcome::Violation) << describe(r);
  EXPECT_LT(r.wall_ms, 2000u);
}

TEST(Limits, DeniedSyscallFloodIsStopped) {
  Result r = run(base_profile(), {kProbe, "deny_flood"});
  EXPECT_EQ(r.outcome, Outcome::Violation) << describe(r);
  EXPECT_NE(r.detail.find("flood"), std::string::npos) << r.detail;
  const Denial* d = find_denial(r, "socket");
  ASSERT_NE(d, nullptr);
  EXPECT_GE(d->count, 100000u);
  EXPECT_EQ(r.stdout_.data.find("deny_flood: ok"), std::string::npos);
}

TEST(Limits, StdinDataReachesTheTool) {
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "wc -c"};
  s.stdin_data = std::string(300000, 'x');
  Result r = run(base_profile(), s);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "300000\n");
}

}  // namespace
}  // namespace cordon::test
