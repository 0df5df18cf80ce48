// Setup fails closed: the tool never runs, and the result names the step.
#include <unistd.h>

#include <filesystem>

#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

TEST(SetupFailure, MissingBindSourceIsAPlanError) {
  auto prof = base_profile();
  prof["filesystem"]["binds"].push_back("/nonexistent/cordon");
  Result r = run(prof, {"/bin/sh", "-c", "echo should-not-run"});
  EXPECT_EQ(r.outcome, Outcome::SetupError);
  EXPECT_NE(r.detail.find("/nonexistent/cordon"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.stdout_.data.empty());
}

TEST(SetupFailure, SourceRemovedAfterPlanningFailsInTheChildStep) {
  TempDir extra;
  auto prof = base_profile();
  prof["filesystem"]["binds"].push_back({{"source", extra.path()}, {"target", "/extra"}});
  auto p = profile_from(prof);
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", "echo should-not-run"};
  PlanOutcome plan = make_plan(p, req, probe_host());
  ASSERT_TRUE(plan.ok());
  std::filesystem::remove_all(extra.path());
  Result r = run_plan(*plan.plan);
  EXPECT_EQ(r.outcome, Outcome::SetupError) << describe(r);
  EXPECT_EQ(r.setup_step, "open_sources");
  EXPECT_EQ(r.setup_errno, ENOENT);
  EXPECT_TRUE(r.stdout_.data.empty());
}

TEST(SetupFailure, WorkspaceSwappedForASymlinkIsRefused) {
  TempDir base;
  std::string ws = base.path() + "/ws";
  std::filesystem::create_directory(ws);
  auto prof = base_profile();
  prof["filesystem"]["workspace"] = {{"mode", "rw"}, {"target", "/work"}};
  auto p = profile_from(prof);
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", "ls /work"};
  req.workdir = ws;
  PlanOutcome plan = make_plan(p, req, probe_host());
  ASSERT_TRUE(plan.ok());
  // Race: the directory becomes a symlink to somewhere else.
  std::filesystem::remove(ws);
  std::filesystem::create_directory_symlink("/etc", ws);
  Result r = run_plan(*plan.plan);
  EXPECT_EQ(r.outcome, Outcome::SetupError) << describe(r);
  EXPECT_EQ(r.setup_step, "open_sources");
  EXPECT_EQ(r.setup_errno, ELOOP);
}

TEST(SetupFailure, RequiredControlMissingFailsInsteadOfRunningWeaker) {
  auto prof = base_profile();
  prof["require"] = {"cgroup_memory", "landlock"};
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "echo should-not-run"};
  s.host.cgroups = CgroupLayout{};  // a host without cgroups
  s.host.cgroups.why_unusable = "test host has no cgroups";
  Result r = run(prof, s);
  EXPECT_EQ(r.outcome, Outcome::SetupError) << describe(r);
  EXPECT_EQ(r.setup_step, "require");
  EXPECT_NE(r.detail.find("cgroup_memory"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.stdout_.data.empty());

  RunSpec nolandlock;
  nolandlock.argv = s.argv;
  nolandlock.host.landlock_abi = 0;
  Result r2 = run(prof, nolandlock);
  EXPECT_EQ(r2.outcome, Outcome::SetupError);
  EXPECT_NE(r2.detail.find("landlock"), std::string::npos) << r2.detail;
}

TEST(SetupFailure, OptionalControlMissingIsReportedNotHidden) {
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "echo ran"};
  s.host.cgroups = CgroupLayout{};
  s.host.cgroups.why_unusable = "test host has no cgroups";
  Result r = run(base_profile(), s);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  const Control* mem = find_control(r, "cgroup_memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_FALSE(mem->applied);
  EXPECT_NE(mem->detail.find("test host has no cgroups"), std::string::npos);
  EXPECT_NE(find_control(r, "memory_rlimit_fallback"), nullptr);
}

TEST(SetupFailure, ExecutableNotAllowedOrNotVisible) {
  Result r = run(base_profile(), {"/usr/bin/perl", "-e", "1"});
  EXPECT_EQ(r.outcome, Outcome::SetupError);
  EXPECT_NE(r.detail.find("argv[0]"), std::string::npos) << r.detail;

  auto prof = base_profile();
  prof["exec"].push_back("/opt/missing/tool");
  Result r2 = run(prof, {"/opt/missing/tool"});
  EXPECT_EQ(r2.outcome, Outcome::SetupError);
  EXPECT_NE(r2.detail.find("not an executable file inside the sandbox"), std::string::npos) << r2.detail;
}

TEST(SetupFailure, ExecFailureInsideIsReportedWithTheStep) {
  // Visible at plan time, but the interpreter it names is not mounted.
  TempDir tools;
  tools.write("script", "#!/nonexistent/interpreter\n");
  chmod((tools.path() + "/script").c_str(), 0755);
  auto prof = base_profile();
  prof["filesystem"]["binds"].push_back({{"source", tools.path()}, {"target", "/opt/tools"}});
  prof["exec"].push_back("/opt/tools/script");
  Result r = run(prof, {"/opt/tools/script"});
  EXPECT_EQ(r.outcome, Outcome::SetupError) << describe(r);
  EXPECT_EQ(r.setup_step, "execve");
  EXPECT_EQ(r.setup_errno, ENOENT);
}

TEST(SetupFailure, WorkspaceRequiredButMissing) {
  auto prof = base_profile();
  prof["filesystem"]["workspace"] = {{"mode", "ro"}, {"target", "/work"}};
  Result r = run(prof, {"/bin/sh", "-c", "true"});
  EXPECT_EQ(r.outcome, Outcome::SetupError);
  EXPECT_NE(r.detail.find("workdir"), std::string::npos);
}

}  // namespace
}  // namespace cordon::test
