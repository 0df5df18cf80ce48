// Scoped credentials through cordond: per-tenant stores, narrowing,
// rotation on reload, and nothing the daemon writes holds a raw value.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "daemon_fixture.h"

namespace cordon::test {
namespace {

const char* kLeakScript =
    "printf '%s\\n' \"$GH_TOKEN\"; printf '%s' \"$GH_TOKEN\" | base64 -w0; echo; "
    "printf '%s' \"$GH_TOKEN\" | od -An -tx1 | tr -d ' \\n'; echo; "
    "t=\"$GH_TOKEN\"; printf '%s' \"${t%????????????????????}\"; sleep 0.05; printf '%s\\n' \"${t#????????????????????}\"; "
    "printf '\\033[1;32m%s\\033[0m\\n' \"$GH_TOKEN\"; cat /run/secrets/db_pass; echo; cat /run/secrets/db_pass >&2; "
    "env; ls /run/secrets";

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Everything the daemon wrote to disk under its directory (logs, audit, ...).
std::string everything_written(const Daemon& d) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.dir())) {
    if (!e.is_regular_file()) continue;
    const std::string p = e.path().string();
    if (p.rfind(d.secrets_dir(), 0) == 0 || p.rfind(d.profile_dir(), 0) == 0) continue;  // the inputs themselves
    all += slurp(p);
  }
  return all;
}

TEST(DaemonSecrets, EachTenantGetsItsOwnSecretAndItNeverComesBack) {
  Daemon d(DaemonOptions{.secrets = true});
  ASSERT_TRUE(d.started()) << d.log();
  std::string responses;
  for (auto [uid, tok, db] : {std::tuple<uid_t, std::string, std::string>{kAlice, kAliceToken, kAliceDb},
                              {kBob, kBobToken, kBobDb}}) {
    Client c = d.connect_as(uid);
    auto r = c.call({{"op", "run"}, {"tool", "secret-tool"}, {"argv", {"/bin/sh", "-c", kLeakScript}}, {"stream", true}});
    ASSERT_TRUE(r) << d.log();
    ASSERT_TRUE((*r)["ok"].get<bool>()) << r->dump();
    const auto& res = (*r)["result"];
    const std::string dump = r->dump();
    responses += dump;
    EXPECT_EQ(res["outcome"], "ok") << dump;
    EXPECT_GE(res["filter"]["redactions"]["exact:gh_token"].get<int>(), 5) << dump;
    EXPECT_GE(res["filter"]["redactions"]["exact:db_pass"].get<int>(), 2) << dump;
    ASSERT_EQ(res["secrets"].size(), 2u) << dump;
    EXPECT_EQ(res["secrets"][0]["name"], "gh_token");
    EXPECT_EQ(res["secrets"][0]["fingerprint"].get<std::string>().size(), 12u);
    EXPECT_NE(res["stdout"]["data"].get<std::string>().find("db_pass"), std::string::npos);  // ls shows the file
    for (const std::string& v : {kAliceToken, kAliceDb, kBobToken, kBobDb}) EXPECT_EQ(dump.find(v), std::string::npos) << dump;
  }
  // Narrowing: only gh_token; asking for more than the profile grants is refused.
  Client a = d.connect_as(kAlice);
  auto narrow = a.call({{"op", "run"}, {"tool", "secret-tool"}, {"secrets", {"gh_token"}},
                        {"argv", {"/bin/sh", "-c", "test -e /run/secrets/db_pass && echo HAS-DB; echo done"}}});
  ASSERT_TRUE(narrow && (*narrow)["ok"].get<bool>()) << (narrow ? narrow->dump() : d.log());
  EXPECT_EQ((*narrow)["result"]["stdout"]["data"], "done\n");
  EXPECT_EQ((*narrow)["result"]["secrets"].size(), 1u);
  auto widen = a.call({{"op", "run"}, {"tool", "secret-tool"}, {"secrets", {"root_key"}}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(widen);
  EXPECT_EQ((*widen)["error"]["code"], "forbidden") << widen->dump();
  auto other_tool = a.call({{"op", "run"}, {"tool", "sh"}, {"secrets", {"gh_token"}}, {"argv", {"/bin/sh", "-c", "env"}}});
  ASSERT_TRUE(other_tool);
  EXPECT_EQ((*other_tool)["error"]["code"], "forbidden") << other_tool->dump();
  responses += narrow->dump() + widen->dump() + other_tool->dump();

  const std::string written = everything_written(d) + d.log();
  for (const std::string& v : {kAliceToken, kAliceDb, kBobToken, kBobDb}) {
    EXPECT_EQ(written.find(v), std::string::npos) << "raw secret value in the daemon's files";
    EXPECT_EQ(responses.find(v), std::string::npos);
  }
}

TEST(DaemonSecrets, RotationTakesEffectForTheNextCallOnly) {
  Daemon d(DaemonOptions{.secrets = true});
  ASSERT_TRUE(d.started()) << d.log();
  Client slow = d.connect_as(kAlice);
  // A running call that reads its token twice, across the rotation.
  ASSERT_TRUE(slow.send({{"id", "slow"}, {"op", "run"}, {"tool", "secret-tool"},
                         {"argv", {"/bin/sh", "-c", "echo \"a=$(printf %s \"$GH_TOKEN\" | md5sum)\"; sleep 1; echo \"b=$(printf %s \"$GH_TOKEN\" | md5sum)\""}}}));
  Client first = d.connect_as(kAlice);
  auto before = first.call({{"op", "run"}, {"tool", "secret-tool"}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(before && (*before)["ok"].get<bool>());
  const std::string fp_before = (*before)["result"]["secrets"][0]["fingerprint"];

  const std::string rotated = "ghp_R0tat3dQw3Zt7Vb1Nm4Hc6Jd0Fs5Ga2PeXy9";
  {
    std::ofstream(d.secrets_dir() + "/alice/gh_token", std::ios::trunc) << rotated;
  }
  Client admin = d.connect_as(0);
  auto rl = admin.call({{"op", "reload"}});
  ASSERT_TRUE(rl && (*rl)["ok"].get<bool>()) << (rl ? rl->dump() : d.log());

  auto after = first.call({{"op", "run"}, {"tool", "secret-tool"}, {"argv", {"/bin/sh", "-c", "printf '%s\\n' \"$GH_TOKEN\""}}});
  ASSERT_TRUE(after && (*after)["ok"].get<bool>());
  EXPECT_NE((*after)["result"]["secrets"][0]["fingerprint"], fp_before);
  EXPECT_EQ((*after)["result"]["stdout"]["data"], "[REDACTED:exact:gh_token]\n") << after->dump();

  auto slow_done = slow.response("slow", 20000);
  ASSERT_TRUE(slow_done);
  const std::string out = (*slow_done)["result"]["stdout"]["data"];
  const auto a = out.substr(0, out.find('\n'));
  const auto b = out.substr(out.find('\n') + 1);
  EXPECT_EQ(a.substr(2), b.substr(2, a.size() - 2)) << out;  // same token before and after the reload

  // A broken store on reload is refused; the old one stays in force.
  chmod((d.secrets_dir() + "/alice/gh_token").c_str(), 0644);
  auto bad = admin.call({{"op", "reload"}});
  ASSERT_TRUE(bad);
  EXPECT_FALSE((*bad)["ok"].get<bool>());
  EXPECT_NE(bad->dump().find("mode 0644"), std::string::npos) << bad->dump();
  EXPECT_EQ(bad->dump().find(rotated), std::string::npos);
  auto still = first.call({{"op", "run"}, {"tool", "secret-tool"}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(still && (*still)["ok"].get<bool>());
  EXPECT_EQ((*still)["result"]["secrets"][0]["fingerprint"], (*after)["result"]["secrets"][0]["fingerprint"]);
  EXPECT_EQ(d.log().find(rotated), std::string::npos);
}

TEST(DaemonSecrets, ATenantWithoutTheSecretIsRefused) {
  Daemon d(DaemonOptions{.secrets = true});
  ASSERT_TRUE(d.started()) << d.log();
  std::filesystem::remove(d.secrets_dir() + "/bob/db_pass");
  Client admin = d.connect_as(0);
  auto rl = admin.call({{"op", "reload"}});
  ASSERT_TRUE(rl && (*rl)["ok"].get<bool>()) << (rl ? rl->dump() : "");
  Client b = d.connect_as(kBob);
  auto r = b.call({{"op", "run"}, {"tool", "secret-tool"}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], "secret_unavailable") << r->dump();
  auto narrowed = b.call({{"op", "run"}, {"tool", "secret-tool"}, {"secrets", {"gh_token"}}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(narrowed && (*narrowed)["ok"].get<bool>()) << narrowed->dump();
}

}  // namespace
}  // namespace cordon::test
