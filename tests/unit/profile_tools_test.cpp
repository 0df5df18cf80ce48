// `cordon profile check/explain/diff` logic on fixed profiles.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>

#include "cordon/profile_tools.h"

namespace cordon {
namespace {

nlohmann::json locked() {
  return nlohmann::json::parse(R"({
    "schema": 1, "name": "tool", "version": "1.0.0", "description": "a tool",
    "exec": ["/usr/bin/jq"],
    "filesystem": {"binds": ["/usr"], "workspace": {"mode": "tmpfs"}},
    "limits": {"wall_time": "10s", "cpu_time": "5s", "memory": "64M", "pids": 8, "stdout": "64K", "stderr": "64K"},
    "require": ["landlock"]
  })");
}

std::shared_ptr<const Profile> make(const nlohmann::json& j) {
  ProfileLoad l = parse_profile(j.dump(), "test.json");
  for (const auto& e : l.errors) ADD_FAILURE() << e.to_string();
  return l.profile;
}

TEST(ProfileLint, CleanProfileHasNoWarnings) { EXPECT_TRUE(lint_profile(*make(locked())).empty()); }

TEST(ProfileLint, RiskyChoicesAreNamed) {
  auto j = locked();
  j["network"] = "dangerous_host_network";
  j["filesystem"]["binds"].push_back({{"source", "/var/cache"}, {"writable", true}});
  j["filesystem"]["binds"].push_back("/home");
  j["syscalls"] = {{"dangerous_allow", {"ptrace"}}};
  j["limits"]["memory"] = 0;
  j["env"] = {{"pass", {"LD_PRELOAD"}}};
  j["require"] = nlohmann::json::array();
  auto w = lint_profile(*make(j));
  std::string all;
  for (const auto& s : w) all += s + "\n";
  for (const char* needle : {"dangerous_host_network", "'/var/cache' is writable", "'/home' exposes", "'ptrace' is re-allowed",
                             "limits.memory: unlimited", "LD_PRELOAD", "landlock is not required"})
    EXPECT_NE(all.find(needle), std::string::npos) << needle << "\n" << all;
}

TEST(ProfileExplain, LockedDownScoresZero) {
  Explanation e = explain_profile(*make(locked()));
  EXPECT_DOUBLE_EQ(e.score, 0.0);
  EXPECT_TRUE(e.items.empty());
  std::string text = render_explanation(*make(locked()), e);
  EXPECT_NE(text.find("exposure: 0.0 / 10 (locked down)"), std::string::npos) << text;
  EXPECT_NE(text.find("reach any network"), std::string::npos);
}

TEST(ProfileExplain, EachControlContributesAndIsListed) {
  auto j = locked();
  j["network"] = "dangerous_host_network";                              // +3.0
  j["filesystem"]["workspace"] = {{"mode", "rw"}};                       // +1.0
  j["exec"] = {"/bin/sh"};                                               // +0.5
  j["syscalls"] = {{"dangerous_allow", {"ptrace"}}, {"action", "errno"}};  // +1.0 +0.3
  j["limits"]["pids"] = 0;                                               // +0.8
  Explanation e = explain_profile(*make(j));
  EXPECT_NEAR(e.score, 6.6, 1e-9);
  ASSERT_EQ(e.items.size(), 6u);
  EXPECT_EQ(e.items[0].control, "network");
  EXPECT_DOUBLE_EQ(e.items[0].points, 3.0);
  std::string text = render_explanation(*make(j), e);
  EXPECT_NE(text.find("exposure: 6.6 / 10 (high)"), std::string::npos) << text;
  EXPECT_NE(text.find("+3.0  network: shares the host network"), std::string::npos) << text;
  EXPECT_NE(text.find("+1.0  syscalls: re-allows ptrace"), std::string::npos) << text;
}

TEST(ProfileExplain, ScoreIsCappedAtTen) {
  auto j = locked();
  j["network"] = "dangerous_host_network";
  j["syscalls"] = {{"dangerous_allow", {"ptrace", "bpf", "mount", "unshare", "setns", "keyctl", "kcmp"}}};
  EXPECT_DOUBLE_EQ(explain_profile(*make(j)).score, 10.0);
}

TEST(ProfileDiff, IdenticalProfilesHaveNoDifferences) {
  auto d = diff_profiles(*make(locked()), *make(locked()));
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(render_diff(d), "no differences in what the tool may do\n");
}

TEST(ProfileDiff, AWideningIsFlaggedAtAGlance) {
  auto before = locked();
  auto after = locked();
  after["version"] = "1.1.0";
  after["limits"]["memory"] = "128M";
  after["limits"]["pids"] = 4;
  after["network"] = "dangerous_host_network";
  after["filesystem"]["binds"].push_back({{"source", "/srv/data"}, {"writable", true}});
  after["syscalls"] = {{"dangerous_allow", {"ptrace"}}};
  after["require"] = nlohmann::json::array();
  std::string out = render_diff(diff_profiles(*make(before), *make(after)));
  EXPECT_EQ(out,
            "changes  version: 1.0.0 -> 1.1.0\n"
            "WIDENS   filesystem.binds: added /srv/data (rw)\n"
            "WIDENS   network: none -> dangerous_host_network\n"
            "WIDENS   limits.memory: 64 MiB -> 128 MiB\n"
            "narrows  limits.pids: 8 -> 4\n"
            "WIDENS   syscalls.dangerous_allow: added ptrace\n"
            "WIDENS   require: removed landlock\n"
            "\n5 widening(s), 7 difference(s)\n");
}

TEST(ProfileDiff, RemovingALimitWidens) {
  auto after = locked();
  after["limits"]["cpu_time"] = 0;
  auto d = diff_profiles(*make(locked()), *make(after));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, DiffLine::Kind::Widens);
  EXPECT_EQ(d[0].text, "5 s -> unlimited");
}

}  // namespace
}  // namespace cordon

namespace cordon {
namespace {

TEST(ProfileOutputPolicy, LooserOutputPolicyWidensAndIsExplained) {
  auto a = nlohmann::json::parse(R"({"schema": 1, "name": "t", "version": "1", "exec": ["/usr/bin/jq"],
    "filesystem": {"binds": ["/usr"]}, "require": ["landlock"],
    "output": {"max_data_class": "internal", "injection": "withhold"}})");
  auto b = a;
  b["output"] = {{"max_data_class", "restricted"}, {"injection", "off"}, {"dangerous_disable_redaction", true}, {"pii", false}};
  ProfileLoad la = parse_profile(a.dump(), "a.json");
  ProfileLoad lb = parse_profile(b.dump(), "b.json");
  ASSERT_TRUE(la.ok() && lb.ok());
  auto d = diff_profiles(*la.profile, *lb.profile);
  std::map<std::string, DiffLine::Kind> kinds;
  for (const auto& l : d) kinds[l.field] = l.kind;
  EXPECT_EQ(kinds.at("output.max_data_class"), DiffLine::Kind::Widens);
  EXPECT_EQ(kinds.at("output.injection"), DiffLine::Kind::Widens);
  EXPECT_EQ(kinds.at("output.dangerous_disable_redaction"), DiffLine::Kind::Widens);
  EXPECT_EQ(kinds.at("output.pii"), DiffLine::Kind::Widens);
  auto back = diff_profiles(*lb.profile, *la.profile);
  for (const auto& l : back) EXPECT_NE(l.kind, DiffLine::Kind::Widens) << l.field;

  Explanation ea = explain_profile(*la.profile);
  Explanation eb = explain_profile(*lb.profile);
  EXPECT_GT(eb.score, ea.score + 2.5);
  std::string warnings;
  for (const auto& w : lint_profile(*lb.profile)) warnings += w + "\n";
  EXPECT_NE(warnings.find("dangerous_disable_redaction"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("output.injection"), std::string::npos) << warnings;
}

}  // namespace
}  // namespace cordon
