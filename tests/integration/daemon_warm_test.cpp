// The warm pool in cordond: after the first (cold) call of a shape, calls are
// served by pre-built sandboxes, each used once, with the same results and
// containment; the pool is listed in stats, and emptied on reload.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "daemon_fixture.h"

namespace cordon::test {
namespace {

nlohmann::json warm_stats(Client& admin) {
  auto st = admin.call({{"op", "stats"}});
  if (!st || !(*st).contains("stats") || !(*st)["stats"].contains("warm_pool")) return nlohmann::json::object();
  return (*st)["stats"]["warm_pool"];
}

bool wait_ready(Client& admin, unsigned n) {
  for (int i = 0; i < 500; ++i) {
    auto w = warm_stats(admin);
    if (w.contains("ready") && w["ready"].get<unsigned>() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(DaemonWarmPool, CallsAfterTheFirstAreServedWarmAndShareNothing) {
  Daemon d(DaemonOptions{.warm_sh = 2});
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  Client admin = d.connect_as(0);

  auto run = [&](const std::string& script) {
    return alice.call({{"op", "run"}, {"tool", "sh"}, {"workspace", "project"}, {"argv", {"/bin/sh", "-c", script}}});
  };
  auto first = run("echo first > /tmp/mark; echo $$");
  ASSERT_TRUE(first && (*first)["ok"].get<bool>()) << (first ? first->dump() : d.log());
  EXPECT_FALSE((*first)["result"]["warm"].get<bool>());  // the shape was new
  ASSERT_TRUE(wait_ready(admin, 2)) << warm_stats(admin).dump() << d.log();

  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_ready(admin, 1)) << warm_stats(admin).dump();
    auto r = run("cat /tmp/mark 2>/dev/null || echo clean; echo call" + std::to_string(i) + "; ls");
    ASSERT_TRUE(r && (*r)["ok"].get<bool>()) << (r ? r->dump() : d.log());
    const auto& res = (*r)["result"];
    EXPECT_EQ(res["outcome"], "ok") << r->dump();
    EXPECT_TRUE(res["warm"].get<bool>()) << r->dump();
    EXPECT_EQ(res["stdout"]["data"], "clean\ncall" + std::to_string(i) + "\n") << r->dump();
    EXPECT_TRUE(r->contains("audit")) << r->dump();
  }
  auto w = warm_stats(admin);
  EXPECT_EQ(w["hits"], 3) << w.dump();
  EXPECT_EQ(w["misses"], 1) << w.dump();
  EXPECT_LE(w["ready"].get<unsigned>(), 2u) << w.dump();

  // Another workspace is another shape: cold first.
  auto other = alice.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "pwd"}}});
  ASSERT_TRUE(other && (*other)["ok"].get<bool>()) << (other ? other->dump() : d.log());
  EXPECT_FALSE((*other)["result"]["warm"].get<bool>()) << other->dump();

  // Reload drops every parked sandbox.
  ASSERT_TRUE(wait_ready(admin, 2));
  auto rl = admin.call({{"op", "reload"}});
  ASSERT_TRUE(rl && (*rl)["ok"].get<bool>()) << (rl ? rl->dump() : d.log());
  EXPECT_EQ(warm_stats(admin)["ready"], 0);

  // A tenant sees no pool figures.
  auto st = alice.call({{"op", "stats"}});
  ASSERT_TRUE(st && (*st)["ok"].get<bool>());
  EXPECT_FALSE((*st)["stats"].contains("warm_pool"));
}

TEST(DaemonWarmPool, PsListsCallsNotParkedSandboxes) {
  Daemon d(DaemonOptions{.warm_sh = 2});
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  Client admin = d.connect_as(0);
  auto r = alice.call({{"op", "run"}, {"tool", "sh"}, {"workspace", "project"}, {"argv", {"/bin/sh", "-c", "true"}}});
  ASSERT_TRUE(r && (*r)["ok"].get<bool>());
  ASSERT_TRUE(wait_ready(admin, 2));
  auto ps = admin.call({{"op", "ps"}});
  ASSERT_TRUE(ps && (*ps)["ok"].get<bool>()) << (ps ? ps->dump() : "");
  EXPECT_EQ((*ps)["calls"].size(), 0u) << ps->dump();
}

}  // namespace
}  // namespace cordon::test
