// A real cordond driven over its socket: tenants, isolation, ps/kill,
// hostile clients, disconnects, SIGTERM/SIGKILL, reload.
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "daemon_fixture.h"

namespace cordon::test {
namespace {

using nlohmann::json;

json run_req(const std::string& tool, std::vector<std::string> argv, json extra = json::object()) {
  json j = {{"op", "run"}, {"tool", tool}, {"argv", argv}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::string out_of(const json& resp) { return resp["result"]["stdout"]["data"].get<std::string>(); }

// Polls `ps` (as admin) until `pred` holds on the call list.
bool wait_ps(const Daemon& d, const std::function<bool(const json&)>& pred, int timeout_ms = 5000) {
  Client admin = d.connect_as(0);
  for (int i = 0; i < timeout_ms / 20; ++i) {
    auto r = admin.call({{"op", "ps"}});
    if (r && pred((*r)["calls"])) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d.started()) << d.log(); }
  Daemon d;
};

TEST_F(DaemonTest, TwoTenantsRunConcurrentlyAndStayApart) {
  Client alice = d.connect_as(kAlice);
  Client bob = d.connect_as(kBob);
  // Both write the same relative file name and look at each other.
  json ra = run_req("sh", {"sh", "-c", "echo alice > mine.txt; sleep 0.5; ls /work; cat /work/mine.txt; id -u; ls /proc | grep -c '^[0-9]'"},
                    {{"workspace", "project"}, {"id", "a1"}});
  json rb = run_req("sh", {"sh", "-c", "echo bob > mine.txt; sleep 0.5; cat /work/mine.txt; cat /tmp/* 2>/dev/null; echo done"},
                    {{"workspace", "project"}, {"id", "b1"}});
  ASSERT_TRUE(alice.send(ra));
  ASSERT_TRUE(bob.send(rb));
  // While both run, each tenant sees only its own call.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto pa = alice.call({{"op", "ps"}});
  ASSERT_TRUE(pa);
  ASSERT_EQ((*pa)["calls"].size(), 1u) << pa->dump();
  EXPECT_EQ((*pa)["calls"][0]["tenant"], "alice");
  EXPECT_EQ((*pa)["calls"][0]["uid"], kAlice);
  auto admin_ps = d.connect_as(0).call({{"op", "ps"}});
  ASSERT_TRUE(admin_ps);
  EXPECT_EQ((*admin_ps)["calls"].size(), 2u);

  auto a = alice.response("a1");
  auto b = bob.response("b1");
  ASSERT_TRUE(a && b);
  ASSERT_EQ((*a)["ok"], true) << a->dump();
  EXPECT_EQ((*a)["result"]["outcome"], "ok") << a->dump();
  EXPECT_EQ(out_of(*a).substr(0, 20), "mine.txt\nalice\n1000\n") << out_of(*a);
  EXPECT_EQ(out_of(*b), "bob\ndone\n");
  EXPECT_EQ((*a)["tenant"], "alice");
  // On the host: each file in its own tenant's tree, owned by that tenant.
  struct stat sb{};
  ASSERT_EQ(stat((d.alice_root() + "/project/mine.txt").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_uid, kAlice);
  ASSERT_EQ(stat((d.bob_root() + "/project/mine.txt").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_uid, kBob);
}

TEST_F(DaemonTest, AccessPolicyIsEnforcedFromPeerCredentials) {
  Client stranger = d.connect_as(kStranger);
  auto r = stranger.call(run_req("sh", {"sh", "-c", "true"}));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], "forbidden");
  Client bob = d.connect_as(kBob);
  auto p = bob.call(run_req("probe", {kProbe, "fds"}));  // not granted to bob
  EXPECT_EQ((*p)["error"]["code"], "forbidden");
  // Claims in the request change nothing.
  auto claim = bob.call(run_req("probe", {kProbe, "fds"}, {{"tenant", "alice"}}));
  EXPECT_EQ((*claim)["error"]["code"], "bad_request");
  auto tools = bob.call({{"op", "tools"}});
  ASSERT_EQ((*tools)["tools"].size(), 1u);
  EXPECT_EQ((*tools)["tools"][0]["name"], "sh");
  auto reload = bob.call({{"op", "reload"}});
  EXPECT_EQ((*reload)["error"]["code"], "forbidden");
  auto all = bob.call({{"op", "kill"}, {"all", true}});
  EXPECT_EQ((*all)["error"]["code"], "forbidden");
  auto unknown = d.connect_as(kAlice).call(run_req("nope", {"x"}));
  EXPECT_EQ((*unknown)["error"]["code"], "unknown_tool");
}

TEST_F(DaemonTest, WorkspaceMustStayInsideTheTenantRoot) {
  Client alice = d.connect_as(kAlice);
  for (std::string ws : {"../bob", "/etc", "project/../../bob"}) {
    auto r = alice.call(run_req("sh", {"sh", "-c", "ls"}, {{"workspace", ws}}));
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["code"], "invalid_workspace") << ws << " " << r->dump();
  }
  std::filesystem::create_directory_symlink(d.bob_root(), d.alice_root() + "/to-bob");
  auto r = alice.call(run_req("sh", {"sh", "-c", "ls"}, {{"workspace", "to-bob"}}));
  EXPECT_EQ((*r)["error"]["code"], "invalid_workspace") << r->dump();
  auto ok = alice.call(run_req("sh", {"sh", "-c", "pwd"}, {{"workspace", "project"}}));
  EXPECT_EQ(out_of(*ok), "/work\n");
}

TEST_F(DaemonTest, KillOneCallAndALargeTree) {
  // Counted by the full command line: the limits suite runs a smaller
  // fork_tree, possibly at the same time (ctest -j2).
  Client alice = d.connect_as(kAlice);
  ASSERT_TRUE(alice.send(run_req("probe", {kProbe, "fork_tree", "500"}, {{"id", "tree"}, {"stream", true}})));
  // Wait until the tree is up. (Its "started" line is short: the output
  // filter holds short output back until more comes or the call ends, so
  // count the processes instead.)
  std::string call_id;
  for (int i = 0; i < 20 && call_id.empty(); ++i) {
    auto ev = alice.next(10000);
    ASSERT_TRUE(ev);
    if ((*ev).value("event", "") == "started") call_id = (*ev)["call_id"];
  }
  ASSERT_FALSE(call_id.empty());
  for (int i = 0; i < 1000 && count_host_processes("cordon-probe fork_tree 500") < 400; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(count_host_processes("cordon-probe fork_tree 500"), 400);
  Client admin = d.connect_as(0);
  auto k = admin.call({{"op", "kill"}, {"call_id", call_id}});
  ASSERT_TRUE(k);
  ASSERT_EQ((*k)["ok"], true) << k->dump();
  ASSERT_EQ((*k)["killed"].size(), 1u);
  EXPECT_GT((*k)["killed"][0]["contain_ms"].get<double>(), 0.0);
  // When kill returns, the whole tree is gone.
  EXPECT_EQ(count_host_processes("cordon-probe fork_tree 500"), 0);
  auto r = alice.response("tree");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["result"]["outcome"], "killed");
}

TEST_F(DaemonTest, TenantKillsOnlyItsOwnCalls) {
  Client bob = d.connect_as(kBob);
  ASSERT_TRUE(bob.send(run_req("sh", {"sh", "-c", "sleep 30"}, {{"id", "long"}})));
  ASSERT_TRUE(wait_ps(d, [](const json& c) { return c.size() == 1 && c[0]["state"] == "running"; }));
  Client alice = d.connect_as(kAlice);
  auto ps = d.connect_as(0).call({{"op", "ps"}});
  std::string cid = (*ps)["calls"][0]["call_id"];
  auto k = alice.call({{"op", "kill"}, {"call_id", cid}});
  EXPECT_EQ((*k)["error"]["code"], "not_found");
  auto kt = alice.call({{"op", "kill"}, {"tenant", "bob"}});
  EXPECT_EQ((*kt)["error"]["code"], "forbidden");
  auto own = bob.call({{"op", "kill"}, {"tool", "sh"}});
  ASSERT_EQ((*own)["ok"], true);
  EXPECT_EQ((*own)["killed"].size(), 1u);
  EXPECT_EQ((*bob.response("long"))["result"]["outcome"], "killed");
}

TEST_F(DaemonTest, HostileClientsGetClearErrorsAndOthersAreServed) {
  Client c = d.connect_as(kAlice);
  ASSERT_TRUE(c.send_raw("this is not json\n"));
  auto r1 = c.next();
  ASSERT_TRUE(r1);
  EXPECT_EQ((*r1)["error"]["code"], "bad_json");
  ASSERT_TRUE(c.send_raw("[1,2,3]\n"));
  EXPECT_EQ((*c.next())["error"]["code"], "bad_json");
  auto r2 = c.call({{"op", "frobnicate"}});
  EXPECT_EQ((*r2)["error"]["code"], "unknown_op");
  auto r3 = c.call({{"op", "run"}, {"tool", 7}, {"argv", "sh"}});
  EXPECT_EQ((*r3)["error"]["code"], "bad_request");
  auto r4 = c.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"sh"}}, {"surprise", 1}});
  EXPECT_EQ((*r4)["error"]["code"], "bad_request");
  EXPECT_NE((*r4)["error"]["message"].get<std::string>().find("surprise"), std::string::npos);
  ASSERT_TRUE(c.send_raw("{\"op\": \"health\"}\n"));  // no id
  EXPECT_EQ((*c.next())["error"]["code"], "bad_request");
  // The same connection still works.
  auto h = c.call({{"op", "health"}});
  EXPECT_EQ((*h)["status"], "ok");

  // An oversized line: error, then the connection is closed.
  Client big = d.connect_as(kAlice);
  ASSERT_TRUE(big.send_raw(std::string(70000, 'x')));
  auto e = big.next();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["error"]["code"], "too_large");
  EXPECT_TRUE(big.closed_by_peer());

  // A half-written line held open: dropped after the idle timeout.
  Client slow = d.connect_as(kAlice);
  ASSERT_TRUE(slow.send_raw("{\"id\": 1, \"op\": \"hea"));
  EXPECT_TRUE(slow.closed_by_peer(3000));

  // A flood of connections: those past the cap are refused, nothing breaks.
  std::vector<Client> flood;
  for (int i = 0; i < 100; ++i) flood.push_back(d.connect_as(0));
  int refused = 0;
  for (auto& f : flood)
    if (f.closed_by_peer(20)) ++refused;
  EXPECT_GE(refused, 30);
  flood.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto ok = d.connect_as(kBob).call(run_req("sh", {"sh", "-c", "echo still-serving"}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(out_of(*ok), "still-serving\n");
  // No fd growth in the daemon after all that.
  std::size_t fds = 0;
  for ([[maybe_unused]] const auto& e2 : std::filesystem::directory_iterator("/proc/" + std::to_string(d.pid()) + "/fd")) ++fds;
  EXPECT_LT(fds, 30u);
}

TEST_F(DaemonTest, ClientDisconnectKillsItsCall) {
  {
    Client c = d.connect_as(kAlice);
    ASSERT_TRUE(c.send(run_req("sh", {"sh", "-c", "sleep 33.3333"}, {{"id", 1}})));
    ASSERT_TRUE(wait_ps(d, [](const json& calls) { return calls.size() == 1 && calls[0]["state"] == "running"; }));
    int seen = 0;
    for (int i = 0; i < 200 && seen == 0; ++i) {
      seen = count_host_processes("sleep 33.3333");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(seen, 1);
  }  // disconnect
  EXPECT_TRUE(wait_ps(d, [](const json& calls) { return calls.empty(); }));
  EXPECT_EQ(count_host_processes("sleep 33.3333"), 0);
}

TEST(DaemonLimits, QueueIsBoundedAndBusyIsClear) {
  DaemonOptions o;
  o.tenant_max_running = 1;
  o.tenant_max_queued = 1;
  Daemon d(o);
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  // "one" runs 5 s: bob, who must not queue behind alice, gets 4 s (a loaded
  // CI machine can take a second or more for a call).
  ASSERT_TRUE(alice.send(run_req("sh", {"sh", "-c", "sleep 5"}, {{"id", "one"}})));
  // "one" must be running (not still queued) before "two" takes the queue slot.
  ASSERT_TRUE(wait_ps(d, [](const json& calls) { return calls.size() == 1 && calls[0]["state"] == "running"; }));
  ASSERT_TRUE(alice.send(run_req("sh", {"sh", "-c", "echo two"}, {{"id", "two"}})));
  auto three = alice.call(run_req("sh", {"sh", "-c", "echo three"}, {{"id", "three"}}));
  ASSERT_TRUE(three);
  EXPECT_EQ((*three)["error"]["code"], "busy");
  // Another tenant is not starved by alice's queue.
  auto bob = d.connect_as(kBob).call(run_req("sh", {"sh", "-c", "echo bob"}), 4000);
  ASSERT_TRUE(bob) << "bob waited behind alice";
  EXPECT_EQ(out_of(*bob), "bob\n");
  auto two = alice.response("two");
  ASSERT_TRUE(two);
  EXPECT_EQ(out_of(*two), "two\n");
}

// cordond runs without glibc's per-thread malloc caches (launcher/cordond/
// malloc_tuning.h): it re-execs itself once with the tunable set, keeps an
// operator's own setting, and tools never see the variable.
// $GLIBC_TUNABLES as cordond was started with it. The dynamic loader splits
// the value in place (each ':' becomes a NUL), so the pieces after it that
// name a tunable are joined again.
std::string tunables_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string env((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> items;
  for (std::size_t at = 0; at < env.size();) {
    std::size_t end = env.find('\0', at);
    if (end == std::string::npos) end = env.size();
    items.push_back(env.substr(at, end - at));
    at = end + 1;
  }
  const std::string key = "GLIBC_TUNABLES=";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].rfind(key, 0) != 0) continue;
    std::string value = items[i].substr(key.size());
    for (std::size_t j = i + 1; j < items.size() && items[j].rfind("glibc.", 0) == 0; ++j) value += ":" + items[j];
    return value;
  }
  return "(unset)";
}

TEST(DaemonMemory, PerThreadMallocCacheIsOff) {
  Daemon d;
  ASSERT_TRUE(d.started()) << d.log();
  EXPECT_EQ(tunables_of(d.pid()), "glibc.malloc.tcache_count=0");
  std::ifstream comm("/proc/" + std::to_string(d.pid()) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "cordond");  // not "exe", from the re-exec through /proc/self/exe
  auto r = d.connect_as(kAlice).call(run_req("sh", {"sh", "-c", "env; echo done"}));
  ASSERT_TRUE(r) << d.log();
  EXPECT_NE(out_of(*r).find("done\n"), std::string::npos) << r->dump();
  EXPECT_EQ(out_of(*r).find("GLIBC_TUNABLES"), std::string::npos) << out_of(*r);
}

TEST(DaemonMemory, AnOperatorsTcacheSettingIsKept) {
  DaemonOptions o;
  o.glibc_tunables = "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=3";
  Daemon d(o);
  ASSERT_TRUE(d.started()) << d.log();
  EXPECT_EQ(tunables_of(d.pid()), "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=3");
}

TEST(DaemonMemory, OtherTunablesAreExtended) {
  DaemonOptions o;
  o.glibc_tunables = "glibc.malloc.arena_max=2";
  Daemon d(o);
  ASSERT_TRUE(d.started()) << d.log();
  EXPECT_EQ(tunables_of(d.pid()), "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0");
}

TEST(DaemonLimits, AFailureInsideOneRequestCostsOnlyThatRequest) {
  DaemonOptions o;
  o.fault_marker = "BOOM-7f3a";
  Daemon d(o);
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  auto bad = alice.call(run_req("sh", {"sh", "-c", "echo BOOM-7f3a"}, {{"id", "bad"}}));
  ASSERT_TRUE(bad) << d.log();
  EXPECT_EQ((*bad)["id"], "bad");
  EXPECT_EQ((*bad)["ok"], false);
  EXPECT_EQ((*bad)["error"]["code"], "internal");
  // The same connection, another connection and the daemon all go on.
  auto good = alice.call(run_req("sh", {"sh", "-c", "echo fine"}));
  ASSERT_TRUE(good) << d.log();
  EXPECT_EQ(out_of(*good), "fine\n");
  auto bob = d.connect_as(kBob).call(run_req("sh", {"sh", "-c", "echo bob"}));
  ASSERT_TRUE(bob) << d.log();
  EXPECT_EQ(out_of(*bob), "bob\n");
  EXPECT_NE(d.log().find("internal error handling a request"), std::string::npos);
}

TEST(DaemonLimits, CallsGoOnWhenTheSpawnerDies) {
  Daemon d;
  ASSERT_TRUE(d.started()) << d.log();
  // The spawner is cordond's only child while no call runs.
  std::ifstream kids("/proc/" + std::to_string(d.pid()) + "/task/" + std::to_string(d.pid()) + "/children");
  pid_t spawner = 0;
  ASSERT_TRUE(kids >> spawner) << "cordond has no spawner child";
  ASSERT_EQ(kill(spawner, SIGKILL), 0);
  Client alice = d.connect_as(kAlice);
  auto r = alice.call(run_req("sh", {"sh", "-c", "echo still-here; grep ^Seccomp: /proc/self/status"}));
  ASSERT_TRUE(r) << d.log();
  EXPECT_EQ((*r)["result"]["outcome"], "ok") << r->dump();
  EXPECT_EQ(out_of(*r), "still-here\nSeccomp:\t2\n");
  // The daemon started a new spawner once that call ended; the next call
  // goes through it.
  auto again = alice.call(run_req("sh", {"sh", "-c", "echo again"}));
  ASSERT_TRUE(again) << d.log();
  EXPECT_EQ(out_of(*again), "again\n");
  auto st = d.connect_as(0).call({{"op", "stats"}});
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["stats"]["spawner"]["alive"], true) << st->dump();
  EXPECT_EQ((*st)["stats"]["spawner"]["restarts"], 1) << st->dump();
  EXPECT_GE((*st)["stats"]["spawner"]["spawned"], 1) << st->dump();
  EXPECT_NE(d.log().find("the spawner process died; started a new one"), std::string::npos) << d.log();
  std::ifstream kids2("/proc/" + std::to_string(d.pid()) + "/task/" + std::to_string(d.pid()) + "/children");
  pid_t second = 0;
  ASSERT_TRUE(kids2 >> second);
  EXPECT_NE(second, spawner);
}

TEST(DaemonLifecycle, SigtermStopsCleanlyWithoutOrphans) {
  Daemon d;
  ASSERT_TRUE(d.started()) << d.log();
  Client c = d.connect_as(kAlice);
  ASSERT_TRUE(c.send(run_req("sh", {"sh", "-c", "sleep 44.4444"}, {{"id", 1}})));
  ASSERT_TRUE(wait_ps(d, [](const json& calls) { return calls.size() == 1 && calls[0]["state"] == "running"; }));
  kill(d.pid(), SIGTERM);
  auto r = c.response(1, 5000);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["result"]["outcome"], "killed");
  int st = d.wait_exit(5000);
  ASSERT_NE(st, -1) << "daemon did not exit";
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_EQ(count_host_processes("sleep 44.4444"), 0);
  EXPECT_FALSE(std::filesystem::exists(d.socket()));
}

TEST(DaemonLifecycle, SigkillLeavesNoOrphansAndRestartCleansUp) {
  auto d = std::make_unique<Daemon>();
  ASSERT_TRUE(d->started()) << d->log();
  Client c = d->connect_as(kAlice);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(c.send(run_req("sh", {"sh", "-c", "sleep 55.5555 & sleep 55.5555"}, {{"id", i}})));
  ASSERT_TRUE(wait_ps(*d, [](const json& calls) { return calls.size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GE(count_host_processes("sleep 55.5555"), 4);
  kill(d->pid(), SIGKILL);
  d->wait_exit(2000);
  int left = -1;
  for (int i = 0; i < 100 && left != 0; ++i) {
    left = count_host_processes("sleep 55.5555");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(left, 0);
  // A second daemon can take over the same (stale) socket path, and it
  // removes the cgroups the killed daemon left behind.
  const pid_t dead = d->pid();
  d.reset();
  Daemon again;
  EXPECT_TRUE(again.started()) << again.log();
  HostInfo host = probe_host();
  std::string parent = host.cgroups.version == 2 ? host.cgroups.v2_parent + "/cordon" : host.cgroups.v1_memory;
  int stale = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(parent, ec))
    if (e.path().filename().string().rfind(std::to_string(dead) + "-", 0) == 0) ++stale;
  EXPECT_EQ(stale, 0) << parent;
}

TEST_F(DaemonTest, NoCgroupsOrFdsLeakAcrossManyCalls) {
  HostInfo host = probe_host();
  std::string parent = host.cgroups.version == 2 ? host.cgroups.v2_parent + "/cordon" : host.cgroups.v1_memory;
  auto count_mine = [&] {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec))
      if (e.path().filename().string().rfind(std::to_string(d.pid()) + "-", 0) == 0) ++n;
    return n;
  };
  auto fds = [&] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(d.pid()) + "/fd")) ++n;
    return n;
  };
  Client alice = d.connect_as(kAlice);
  alice.call(run_req("sh", {"sh", "-c", "true"}));
  const std::size_t fds_before = fds();
  for (int i = 0; i < 40; ++i) {
    auto r = alice.call(run_req("sh", {"sh", "-c", i % 2 ? "echo x" : "sleep 5"}, {{"timeout_ms", 50}}));
    ASSERT_TRUE(r);
  }
  EXPECT_EQ(fds(), fds_before);
  EXPECT_EQ(count_mine(), 0);
}

TEST(DaemonLifecycle, SecondDaemonOnTheSamePathRefusesToStart) {
  Daemon d;
  ASSERT_TRUE(d.started());
  std::string log = d.dir() + "/second.log";
  std::string cmd = std::string(std::getenv("CORDON_TEST_DAEMON") ? std::getenv("CORDON_TEST_DAEMON") : CORDOND_BIN) +
                    " --config " + d.dir() + "/cordond.json > " + log + " 2>&1";
  int rc = std::system(cmd.c_str());
  EXPECT_NE(rc, 0);
  auto h = d.connect_as(0).call({{"op", "health"}});
  ASSERT_TRUE(h);
  EXPECT_EQ((*h)["status"], "ok");
}

TEST_F(DaemonTest, ReloadWithABadProfileKeepsTheOldSet) {
  Client admin = d.connect_as(0);
  std::ofstream(d.profile_dir() + "/broken.json") << R"({"schema": 1, "name": "broken", "version": "1", "exec": ["rel"], "limits": {"memory": 5}})";
  auto r = admin.call({{"op", "reload"}});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], "reload_failed");
  EXPECT_GE((*r)["error"]["errors"].size(), 2u);
  EXPECT_NE((*r)["error"]["errors"][0].get<std::string>().find("broken.json"), std::string::npos);
  auto still = d.connect_as(kAlice).call(run_req("sh", {"sh", "-c", "echo ok"}));
  EXPECT_EQ(out_of(*still), "ok\n");
  // SIGHUP with the same broken set also keeps serving.
  kill(d.pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(d.log().find("reload refused"), std::string::npos);
  std::filesystem::remove(d.profile_dir() + "/broken.json");
  auto ok = admin.call({{"op", "reload"}});
  EXPECT_EQ((*ok)["ok"], true);
  EXPECT_EQ((*ok)["profiles"], 5);  // sh rg git probe guarded
}

TEST_F(DaemonTest, StreamingSendsOutputBeforeTheResult) {
  Client c = d.connect_as(kAlice);
  // 64 KiB first: the output filter passes text on once it is past its
  // hold-back window (short output arrives with the result).
  ASSERT_TRUE(c.send(run_req("sh", {"sh", "-c", "head -c 65536 /dev/zero | tr '\\0' x; echo; sleep 0.3; echo second"},
                             {{"id", "s"}, {"stream", true}})));
  std::vector<std::string> events;
  std::optional<json> final;
  while (!final) {
    auto j = c.next();
    ASSERT_TRUE(j);
    if (j->contains("ok"))
      final = j;
    else
      events.push_back((*j)["event"]);
  }
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0], "started");
  EXPECT_EQ(events[1], "output");
  EXPECT_EQ(out_of(*final), std::string(65536, 'x') + "\nsecond\n");
}

TEST_F(DaemonTest, StatsCountOutcomesAndRefusals) {
  Client alice = d.connect_as(kAlice);
  alice.call(run_req("sh", {"sh", "-c", "true"}));
  alice.call(run_req("sh", {"sh", "-c", "exit 3"}));
  alice.call(run_req("sh", {"sh", "-c", "sleep 5"}, {{"timeout_ms", 200}}));
  alice.call(run_req("nope", {"x"}));
  auto s = alice.call({{"op", "stats"}});
  ASSERT_TRUE(s);
  const json& st = (*s)["stats"];
  EXPECT_EQ(st["calls_total"], 3);
  EXPECT_EQ(st["by_outcome"]["ok"], 1);
  EXPECT_EQ(st["by_outcome"]["exit_nonzero"], 1);
  EXPECT_EQ(st["by_outcome"]["timeout"], 1);
  EXPECT_EQ(st["refused"]["unknown_tool"], 1);
  EXPECT_FALSE(st.contains("spawner"));  // an admin figure
  // The three sandboxes were cloned by the spawner process, not by cordond.
  auto a = d.connect_as(0).call({{"op", "stats"}});
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["stats"]["spawner"]["alive"], true) << a->dump();
  EXPECT_EQ((*a)["stats"]["spawner"]["spawned"], 3) << a->dump();
  // The small static program, not a fork of the daemon.
  ASSERT_TRUE((*a)["stats"]["spawner"]["program"].is_string()) << a->dump() << d.log();
  EXPECT_EQ(std::filesystem::path((*a)["stats"]["spawner"]["program"].get<std::string>()).filename(), "cordon-spawner");
}

// The on-call CLI against a real daemon: call, ps, kill (which returns when
// the tree is gone and says how long containment took).
std::string shell(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  status = p ? pclose(p) : -1;
  status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST_F(DaemonTest, OnCallCliCallPsKill) {
  const std::string env = "CORDON_SOCKET=" + d.socket() + " ";
  const std::string as_alice = "setpriv --reuid=" + std::to_string(kAlice) + " --regid=" + std::to_string(kAlice) +
                               " --clear-groups env " + env + cordon_bin();
  int st = 0;
  std::string out = shell(as_alice + " call -w project sh -- sh -c 'echo from-cli; exit 4'", st);
  EXPECT_EQ(st, 4) << out;
  EXPECT_EQ(out, "from-cli\n");
  out = shell(as_alice + " tools", st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("probe"), std::string::npos) << out;

  Client alice = d.connect_as(kAlice);
  ASSERT_TRUE(alice.send(run_req("sh", {"sh", "-c", "sleep 66.6666 & sleep 66.6666"}, {{"id", "k"}})));
  ASSERT_TRUE(wait_ps(d, [](const json& c) { return c.size() == 1 && c[0]["state"] == "running"; }));
  out = shell(env + cordon_bin() + " ps", st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("alice"), std::string::npos) << out;
  EXPECT_NE(out.find("sleep 66.6666"), std::string::npos) << out;
  out = shell(env + cordon_bin() + " kill --all", st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("contained in"), std::string::npos) << out;
  EXPECT_EQ(count_host_processes("sleep 66.6666"), 0);
  EXPECT_EQ((*alice.response("k"))["result"]["outcome"], "killed");
}

TEST_F(DaemonTest, StructuredArgumentsForToolDefinitions) {
  std::ofstream(d.alice_root() + "/project/code.c") << "int needle = 1;\n";
  chown((d.alice_root() + "/project/code.c").c_str(), kAlice, kAlice);
  Client alice = d.connect_as(kAlice);
  auto tools = alice.call({{"op", "tools"}});
  json def;
  for (const auto& t : (*tools)["tools"])
    if (t["name"] == "rg") def = t["definition"];
  ASSERT_EQ(def["name"], "search_code") << tools->dump();
  EXPECT_EQ(def["parameters"]["required"][0], "pattern");

  // A model calls the tool by its definition name with structured arguments.
  auto r = alice.call({{"op", "run"}, {"tool", "search_code"}, {"workspace", "project"},
                       {"arguments", {{"pattern", "needle"}, {"ignore_case", true}}}});
  ASSERT_TRUE(r);
  ASSERT_EQ((*r)["ok"], true) << r->dump();
  EXPECT_EQ(out_of(*r), "./code.c:1:int needle = 1;\n");

  // Shell syntax is just text: nothing runs, nothing is created.
  auto inj = alice.call({{"op", "run"}, {"tool", "rg"}, {"workspace", "project"},
                         {"arguments", {{"pattern", "$(touch /work/pwned); rm -rf /work `id`"}}}});
  ASSERT_EQ((*inj)["ok"], true) << inj->dump();
  EXPECT_EQ((*inj)["result"]["outcome"], "exit_nonzero");  // no match
  EXPECT_FALSE(std::filesystem::exists(d.alice_root() + "/project/pwned"));
  EXPECT_TRUE(std::filesystem::exists(d.alice_root() + "/project/code.c"));

  // Option smuggling and bad values are refused before anything runs, naming the parameter.
  struct Bad {
    std::string tool;
    json args;
    std::string needle;
  };
  for (const Bad& b : std::vector<Bad>{
           {"git", {{"command", "log"}, {"revision", "--upload-pack=touch /tmp/x"}}, "parameter 'revision'"},
           {"git", {{"command", "push"}}, "parameter 'command'"},
           {"rg", {{"pattern", "x"}, {"path", std::string(2000, 'a')}}, "parameter 'path'"},
           {"rg", {{"pattern", std::string("a\0b", 3)}}, "parameter 'pattern'"},
           {"rg", {{"pattern", "x"}, {"exec", "sh"}}, "parameter 'exec' unknown parameter"},
           {"sh", {{"anything", 1}}, "no definition"}}) {
    auto e = alice.call({{"op", "run"}, {"tool", b.tool}, {"workspace", "project"}, {"arguments", b.args}});
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)["error"]["code"], "invalid_request") << e->dump();
    EXPECT_NE((*e)["error"]["message"].get<std::string>().find(b.needle), std::string::npos) << e->dump();
  }
  auto both = alice.call({{"op", "run"}, {"tool", "rg"}, {"argv", {"rg", "x"}}, {"arguments", {{"pattern", "x"}}}});
  EXPECT_EQ((*both)["error"]["code"], "bad_request");

  // The CLI prints the definitions in each API's shape.
  int st = 0;
  std::string cmd = "setpriv --reuid=" + std::to_string(kAlice) + " --regid=" + std::to_string(kAlice) +
                    " --clear-groups env CORDON_SOCKET=" + d.socket() + " " + cordon_bin() + " tools --format ";
  json openai = json::parse(shell(cmd + "openai", st));
  EXPECT_EQ(st, 0);
  bool found = false;
  for (const auto& t : openai) found = found || t["function"]["name"] == "search_code";
  EXPECT_TRUE(found) << openai.dump();
  json mcp = json::parse(shell(cmd + "mcp", st));
  EXPECT_TRUE(mcp[0].contains("inputSchema"));
  json anthropic = json::parse(shell(cmd + "anthropic", st));
  EXPECT_TRUE(anthropic[0].contains("input_schema"));
}

// Every request example in PROTOCOL.md is sent to a real daemon, and the
// response has the shape the document shows.
TEST_F(DaemonTest, ProtocolDocumentExamplesWork) {
  std::ifstream in(std::string(CORDON_SOURCE_DIR) + "/launcher/PROTOCOL.md");
  ASSERT_TRUE(in) << "PROTOCOL.md";
  std::string line;
  bool in_json = false;
  std::vector<json> examples;
  while (std::getline(in, line)) {
    if (line.rfind("```json", 0) == 0) {
      in_json = true;
      continue;
    }
    if (line.rfind("```", 0) == 0) {
      in_json = false;
      continue;
    }
    if (!in_json) continue;
    auto j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON in PROTOCOL.md: " << line;
    examples.push_back(j);
  }
  ASSERT_GE(examples.size(), 20u);
  // A running call for ps/kill examples, owned by alice.
  Client alice = d.connect_as(kAlice);
  Client admin = d.connect_as(0);
  int requests = 0, responses = 0;
  std::map<std::string, json> last_response_for_op;
  for (const auto& ex : examples) {
    if (ex.contains("op")) {
      ++requests;
      if (ex["op"] == "kill") {  // give it something to kill
        ASSERT_TRUE(alice.send(run_req("sh", {"sh", "-c", "sleep 20"}, {{"id", "victim"}})));
        ASSERT_TRUE(wait_ps(d, [](const json& c) { return !c.empty(); }));
      }
      json req = ex;
      if (req.contains("call_id")) {
        auto ps = admin.call({{"op", "ps"}});
        req["call_id"] = (*ps)["calls"][0]["call_id"];
      }
      if (req.contains("tenant")) req["tenant"] = "alice";
      Client& who = (ex["op"] == "run") ? alice : admin;
      if (ex["op"] == "run") req["workspace"] = "project";
      auto resp = who.call(req);
      ASSERT_TRUE(resp) << ex.dump();
      EXPECT_EQ((*resp)["id"], req["id"]) << ex.dump();
      EXPECT_EQ((*resp)["ok"], true) << ex.dump() << " -> " << resp->dump();
      last_response_for_op[ex["op"]] = *resp;
      if (ex["op"] == "kill") alice.response("victim");
    } else if (ex.contains("ok") && ex["ok"] == true) {
      ++responses;
    }
  }
  EXPECT_GE(requests, 10);
  EXPECT_GE(responses, 7);
  // Documented response fields exist in the real responses of that op.
  auto op_of = [](const json& resp) -> std::string {
    if (resp.contains("result")) return "run";
    if (resp.contains("calls")) return "ps";
    if (resp.contains("killed")) return "kill";
    if (resp.contains("tools")) return "tools";
    if (resp.contains("stats")) return "stats";
    if (resp.contains("status")) return "health";
    return "reload";
  };
  for (const auto& ex : examples) {
    if (!ex.contains("ok") || ex["ok"] != true) continue;
    const std::string op = op_of(ex);
    ASSERT_TRUE(last_response_for_op.count(op)) << op;
    const json& real = last_response_for_op[op];
    for (const auto& [k, v] : ex.items()) EXPECT_TRUE(real.contains(k)) << op << " response lacks '" << k << "'";
  }
}

}  // namespace
}  // namespace cordon::test
