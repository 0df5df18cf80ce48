// The adversarial suite: every hostile program runs through the real runtime
// under the shipped `strict` profile. Each attack must be contained (its
// effect did not happen) AND reported correctly (outcome, denials, limit),
// and the host must be clean afterwards. A second group re-runs attacks with
// one control switched off and shows that the suite then fails them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "attacks.h"
#include "harness.h"

namespace cordon::adv {
namespace {

namespace fs = std::filesystem;

// Prints "attacks: N contained: M" once, when the test program ends: N
// attacks run (Strict/Attack.*), M of them contained and correctly reported
// (their test passed, host-health checks included).
class AttackSummary : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (std::string(info.test_suite_name()).rfind("Strict/Attack", 0) != 0 || info.result()->Skipped()) return;
    ++run_;
    if (info.result()->Passed()) ++contained_;
  }
  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    std::printf("attacks: %d contained: %d\n", run_, contained_);
    std::fflush(stdout);
  }

 private:
  int run_ = 0;
  int contained_ = 0;
};

[[maybe_unused]] const bool kSummaryRegistered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new AttackSummary);
  return true;
}();

std::string base_name(const std::string& p) { return fs::path(p).filename().string(); }

// Runs attacks and checks the host after every one: no process carrying the
// run's marker, no new mount, no per-call cgroup of this process, no new
// file in the host temp dirs except the run's own workspace and bait dir, no
// changed global setting.
class HostHealthTest : public ::testing::Test {
 protected:
  void SetUp() override { before_ = HostSnapshot::take(); }

  void TearDown() override {
    for (auto& run : runs_) {
      std::set<std::string> allowed = {base_name(run->workspace())};
      if (!run->bait_dir().empty()) allowed.insert(base_name(run->bait_dir()));
      for (const auto& problem : host_health(before_, run->marker(), allowed))
        ADD_FAILURE() << "host health after " << run->marker() << ": " << problem;
      run->release();
    }
    runs_.clear();
  }

  AttackRun& launch(const AttackSpec& spec, const std::string& skip = "",
                    const std::function<void(nlohmann::json&)>& tweak = {}) {
    runs_.push_back(std::make_unique<AttackRun>(spec, skip, tweak));
    return *runs_.back();
  }

  HostSnapshot before_;
  std::vector<std::unique_ptr<AttackRun>> runs_;
};

class Attack : public HostHealthTest, public ::testing::WithParamInterface<AttackSpec> {};

TEST_P(Attack, IsContainedAndReported) {
  const AttackSpec& spec = GetParam();
  AttackRun& run = launch(spec);
  Verdict v = run.verdict();
  EXPECT_TRUE(v.contained()) << "ATTACK NOT CONTAINED: " << spec.name << v.describe() << "\n" << run.describe();
  EXPECT_TRUE(v.misreports.empty()) << "contained but misreported: " << spec.name << v.describe() << "\n"
                                    << run.describe();
  EXPECT_LT(run.result().wall_ms, 8000u) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Strict, Attack, ::testing::ValuesIn(attacks()),
                         [](const ::testing::TestParamInfo<AttackSpec>& p) { return p.param.name; });

// --- the suite can fail ---------------------------------------------------------
// With one control switched off (RunOptions::test_skip_control), attacks
// that control stops are no longer contained, or no longer reported as they
// should be, and the suite says so.

class WeakenedControl : public HostHealthTest {
 protected:
  // Runs the attack without `control` and checks the result admits it.
  AttackRun& weakened(const std::string& name, const std::string& control,
                      const std::function<void(nlohmann::json&)>& tweak = {}) {
    AttackRun& run = launch(attack(name), control, tweak);
    const Control* c = find_control(run.result(), control);
    EXPECT_TRUE(c && !c->applied) << "the result must list " << control << " as not applied\n" << run.describe();
    EXPECT_FALSE(run.verdict().ok()) << name << " still passes without " << control << "\n" << run.describe();
    return run;
  }

  static bool any_contains(const std::vector<std::string>& v, const std::string& needle) {
    for (const auto& s : v)
      if (s.find(needle) != std::string::npos) return true;
    return false;
  }
};

TEST_F(WeakenedControl, WithoutSeccompPtracePersonalityAndKeyctlGetThrough) {
  AttackRun& ptrace = weakened("proc_ptrace", "seccomp");
  EXPECT_FALSE(ptrace.verdict().contained()) << ptrace.describe();
  EXPECT_TRUE(any_contains(ptrace.verdict().escapes, "ptrace attached")) << ptrace.verdict().describe();

  AttackRun& pers = weakened("sys_personality", "seccomp");
  EXPECT_FALSE(pers.verdict().contained()) << pers.describe();

  AttackRun& keyctl = weakened("sys_keyctl", "seccomp");
  EXPECT_NE(keyctl.result().outcome, Outcome::Violation) << keyctl.describe();
  EXPECT_EQ(find_denial(keyctl.result(), "keyctl"), nullptr) << keyctl.describe();
}

TEST_F(WeakenedControl, WithoutLandlockTheHostAbstractSocketIsReached) {
  // strict requires Landlock: switched off, the call fails closed.
  AttackRun& refused = launch(attack("net_abstract_unix_hostnet"), "landlock");
  EXPECT_EQ(refused.result().outcome, Outcome::SetupError) << refused.describe();
  EXPECT_EQ(refused.result().setup_step, "require") << refused.describe();
  // A variant that does not require it: the host network is shared, so only
  // Landlock's scoping kept the tool from the host's abstract sockets.
  AttackRun& run = weakened("net_abstract_unix_hostnet", "landlock",
                            [](nlohmann::json& j) { j["require"] = nlohmann::json::array(); });
  EXPECT_FALSE(run.verdict().contained()) << run.describe();
  EXPECT_TRUE(any_contains(run.verdict().escapes, "abstract socket @")) << run.verdict().describe();
}

TEST_F(WeakenedControl, WithoutLandlockStdinIsReopenedForWriting) {
  // Only Landlock stops a reopen of the caller's read-only stdin (a host file
  // outside the mounts) through /proc/self/fd/0.
  AttackRun& run = weakened("fs_reopen_stdin", "landlock",
                            [](nlohmann::json& j) { j["require"] = nlohmann::json::array(); });
  EXPECT_TRUE(any_contains(run.verdict().escapes, "stdin was changed")) << run.verdict().describe();
}

TEST_F(WeakenedControl, WithoutANetworkNamespaceTheHostLoopbackListenerIsReached) {
  AttackRun& run = weakened("net_tcp_loopback", "net_ns");
  EXPECT_FALSE(run.verdict().contained()) << run.describe();
  EXPECT_TRUE(any_contains(run.verdict().escapes, "TCP listener")) << run.verdict().describe();
}

TEST_F(WeakenedControl, WithoutTheCapabilityDropTheBoundingSetIsFull) {
  AttackRun& run = weakened("cap_status", "capabilities");
  EXPECT_FALSE(run.verdict().contained()) << run.describe();
  EXPECT_TRUE(any_contains(run.verdict().escapes, "CapBnd")) << run.verdict().describe();
}

TEST_F(WeakenedControl, WithoutNoNewPrivsTheCallFailsClosed) {
  // Landlock needs no_new_privs (the tool holds no CAP_SYS_ADMIN), so the
  // sandbox refuses to start rather than run with either missing.
  AttackRun& run = launch(attack("cap_status"), "no_new_privs");
  EXPECT_FALSE(run.verdict().ok()) << run.describe();
  EXPECT_EQ(run.result().outcome, Outcome::SetupError) << run.describe();
  EXPECT_EQ(run.result().setup_step, "landlock") << run.describe();
}

TEST_F(WeakenedControl, WithoutTheCgroupTheMemoryBombIsNotReportedAsMemoryLimit) {
  AttackRun& run = launch(attack("res_memory_bomb"), "cgroup");
  EXPECT_FALSE(run.verdict().ok()) << run.describe();
  EXPECT_NE(run.result().outcome, Outcome::MemoryLimit) << run.describe();
}

// --- the table itself ------------------------------------------------------------------

TEST(AttackTable, EveryHostileProgramIsAnAttackAndBuilt) {
  std::set<std::string> in_table;
  for (const auto& a : attacks()) in_table.insert(a.program);
  EXPECT_GE(attacks().size(), 40u);
  std::set<std::string> built;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(hostile_dir(), ec)) {
    struct stat sb{};
    std::string n = e.path().filename().string();
    if (stat(e.path().c_str(), &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111) && n != "suid_payload")
      built.insert(n);
  }
  ASSERT_FALSE(ec) << hostile_dir() << ": " << ec.message();
  for (const auto& p : in_table) EXPECT_TRUE(built.count(p)) << "hostile program not built: " << p;
  for (const auto& p : built) EXPECT_TRUE(in_table.count(p)) << "hostile program without an attack: " << p;
}

}  // namespace
}  // namespace cordon::adv
