// The daemon's audit trail: a record per call and per operator event,
// durable before the response, chained, and free of output and secrets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cordon/audit.h"
#include "daemon_fixture.h"

namespace cordon::test {
namespace {

std::vector<nlohmann::ordered_json> records(const std::string& path) {
  std::vector<nlohmann::ordered_json> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(nlohmann::ordered_json::parse(line));
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(DaemonAudit, CallsAndOperatorEventsAreRecordedAndChained) {
  Daemon d(DaemonOptions{.secrets = true});
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  const std::string marker = "RAW-OUTPUT-MARKER-5e1d";
  auto ok = alice.call({{"op", "run"}, {"tool", "secret-tool"},
                        {"argv", {"/bin/sh", "-c", "printf 'RAW-OUTPUT-%s\\n' MARKER-5e1d; printf '%s\\n' \"$GH_TOKEN\""}}});
  ASSERT_TRUE(ok && (*ok)["ok"].get<bool>()) << (ok ? ok->dump() : d.log());
  ASSERT_TRUE((*ok).contains("audit"));
  const auto& rec = (*ok)["audit"];
  EXPECT_EQ(rec["kind"], "call");
  EXPECT_EQ(rec["tenant"], "alice");
  EXPECT_EQ(rec["caller"]["uid"], kAlice);
  EXPECT_EQ(rec["profile"]["name"], "secret-tool");
  EXPECT_EQ(rec["outcome"], "ok");
  EXPECT_EQ(rec["filter"]["redactions"]["exact:gh_token"], 1);
  EXPECT_EQ(rec["secrets"][0]["name"], "gh_token");
  EXPECT_EQ(rec["hash"].get<std::string>().size(), 64u);
  // A secret passed in argv is filtered before ps and the audit record see it.
  auto argv_secret = alice.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "true", "AKIAZ3MSJV4WWNKWW5FG"}}});
  ASSERT_TRUE(argv_secret && (*argv_secret)["ok"].get<bool>());
  EXPECT_EQ((*argv_secret)["audit"]["argv"][3], "[REDACTED:aws-access-key-id]");

  auto violation = alice.call({{"op", "run"}, {"tool", "probe"}, {"argv", {kProbe, "ptrace"}}});
  ASSERT_TRUE(violation && (*violation)["ok"].get<bool>()) << violation->dump();
  auto denied = d.connect_as(kBob).call({{"op", "run"}, {"tool", "probe"}, {"argv", {kProbe}}});
  ASSERT_TRUE(denied);
  EXPECT_EQ((*denied)["error"]["code"], "forbidden");
  ASSERT_TRUE(alice.send({{"id", "long"}, {"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "sleep 30"}}}));
  Client admin = d.connect_as(0);
  for (int i = 0; i < 200; ++i) {
    auto ps = admin.call({{"op", "ps"}});
    if (ps && !(*ps)["calls"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto kill = admin.call({{"op", "kill"}, {"tool", "sh"}});
  ASSERT_TRUE(kill && (*kill)["ok"].get<bool>()) << kill->dump();
  auto killed = alice.response("long");
  ASSERT_TRUE(killed);
  EXPECT_EQ((*killed)["result"]["outcome"], "killed");
  auto reload = admin.call({{"op", "reload"}});
  ASSERT_TRUE(reload && (*reload)["ok"].get<bool>());

  auto all = records(d.audit_path());
  std::map<std::string, int> kinds;
  for (const auto& r : all) ++kinds[r["kind"].get<std::string>()];
  EXPECT_EQ(kinds["daemon_start"], 1);
  EXPECT_EQ(kinds["call"], 4);
  EXPECT_EQ(kinds["denied"], 1);
  EXPECT_EQ(kinds["kill"], 1);
  EXPECT_EQ(kinds["reload"], 1);
  bool saw_violation = false;
  for (const auto& r : all)
    if (r["kind"] == "call" && r["outcome"] == "violation") {
      saw_violation = true;
      EXPECT_EQ(r["denied_syscalls"][0]["syscall"], "ptrace");
    }
  EXPECT_TRUE(saw_violation);
  // The response's record is the log's record.
  bool found = false;
  for (const auto& r : all) found = found || r["hash"] == rec["hash"];
  EXPECT_TRUE(found);

  AuditVerifyResult v = verify_audit_log({d.audit_path()}, {.anchor = std::nullopt, .find_anchor = true, .require_start = true});
  EXPECT_TRUE(v.error.empty()) << v.error;
  EXPECT_FALSE(v.problem) << (v.problem ? v.problem->detail : "");
  EXPECT_EQ(v.intact.records, all.size());

  const std::string log = slurp(d.audit_path());
  EXPECT_EQ(log.find(marker), std::string::npos) << "raw output in the audit log";
  EXPECT_EQ(log.find(kAliceToken), std::string::npos) << "secret value in the audit log";
  EXPECT_EQ(log.find("AKIAZ3MSJV4WWNKWW5FG"), std::string::npos);
}

TEST(DaemonAudit, SigkillMidBurstLosesNoAcknowledgedRecord) {
  Daemon d(DaemonOptions{.max_running = 4, .max_queued = 64, .tenant_max_running = 4, .tenant_max_queued = 64});
  ASSERT_TRUE(d.started()) << d.log();
  std::mutex mu;
  std::set<std::string> acknowledged;  // hashes of records in responses
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      Client c = d.connect_as(kAlice);
      for (int i = 0; i < 200 && !stop; ++i) {
        auto r = c.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "echo " + std::to_string(t * 1000 + i)}}}, 5000);
        if (!r) return;  // the daemon is gone
        if ((*r).value("ok", false) && r->contains("audit")) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert((*r)["audit"]["hash"].get<std::string>());
        }
      }
    });
  }
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acknowledged.size() >= 12) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(kill(d.pid(), SIGKILL), 0);
  stop = true;
  for (auto& c : clients) c.join();
  d.wait_exit(5000);
  ASSERT_GE(acknowledged.size(), 12u);

  AuditVerifyResult v = verify_audit_log({d.audit_path()});
  ASSERT_TRUE(v.error.empty()) << v.error;
  EXPECT_FALSE(v.problem && v.problem->kind != AuditProblemKind::Truncated)
      << audit_problem_name(v.problem->kind) << ": " << v.problem->detail;
  std::set<std::string> in_log;
  for (const auto& r : records(d.audit_path())) in_log.insert(r["hash"].get<std::string>());
  for (const auto& h : acknowledged) EXPECT_TRUE(in_log.count(h)) << "acknowledged record " << h << " missing";

  // A new daemon on the same log repairs a torn tail and continues the chain.
  AuditOpen reopened = AuditWriter::open(d.audit_path());
  ASSERT_TRUE(reopened.ok()) << reopened.error;
  EXPECT_GE(reopened.writer->position().seq, acknowledged.size());
  reopened.writer->close();
  AuditVerifyResult v2 = verify_audit_log({d.audit_path()}, {.anchor = std::nullopt, .find_anchor = true, .require_start = true});
  EXPECT_FALSE(v2.problem) << (v2.problem ? v2.problem->detail : "");
}

}  // namespace
}  // namespace cordon::test

namespace cordon::test {
namespace {

TEST(DaemonScorecard, FiguresMatchAKnownSequenceOfCalls) {
  Daemon d(DaemonOptions{.max_running = 4, .max_queued = 8, .tenant_max_running = 4, .tenant_max_queued = 8});
  ASSERT_TRUE(d.started()) << d.log();
  Client alice = d.connect_as(kAlice);
  Client admin = d.connect_as(0);
  // 3 kills.
  for (int i = 0; i < 3; ++i) {
    const std::string id = "k" + std::to_string(i);
    ASSERT_TRUE(alice.send({{"id", id}, {"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "sleep 30"}}}));
    for (int t = 0; t < 300; ++t) {
      auto ps = admin.call({{"op", "ps"}});
      bool running = false;
      for (const auto& c : (*ps)["calls"]) running = running || c["state"] == "running";
      if (running) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto k = admin.call({{"op", "kill"}, {"tool", "sh"}});
    ASSERT_TRUE(k && (*k)["ok"].get<bool>()) << k->dump();
    auto r = alice.response(id);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["result"]["outcome"], "killed");
  }
  // 2 violations (ptrace, then bpf).
  for (const char* what : {"ptrace", "bpf"}) {
    auto r = alice.call({{"op", "run"}, {"tool", "probe"}, {"argv", {kProbe, what}}});
    ASSERT_TRUE(r && (*r)["ok"].get<bool>());
    EXPECT_EQ((*r)["result"]["outcome"], "violation") << r->dump();
  }
  // 1 withheld output (an email is confidential, above "internal").
  auto w = alice.call({{"op", "run"}, {"tool", "guarded"}, {"argv", {"/bin/sh", "-c", "echo mail bob@corp-mail.com"}}});
  ASSERT_TRUE(w && (*w)["ok"].get<bool>());
  EXPECT_TRUE((*w)["result"]["filter"]["withheld"].get<bool>()) << w->dump();
  // 1 redacted output and 1 plain one.
  ASSERT_TRUE(alice.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "echo AKIAZ3MSJV4WWNKWW5FG"}}}));
  ASSERT_TRUE(alice.call({{"op", "run"}, {"tool", "sh"}, {"argv", {"/bin/sh", "-c", "echo hello"}}}));
  // 2 forbidden requests.
  Client bob = d.connect_as(kBob);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(bob.call({{"op", "run"}, {"tool", "probe"}, {"argv", {kProbe}}}));

  auto st = admin.call({{"op", "stats"}});
  ASSERT_TRUE(st && (*st)["ok"].get<bool>());
  const auto& sc = (*st)["stats"]["scorecard"];
  EXPECT_EQ(sc["calls"], 8) << sc.dump(2);
  EXPECT_EQ(sc["by_outcome"]["killed"], 3);
  EXPECT_EQ(sc["by_outcome"]["violation"], 2);
  EXPECT_EQ(sc["blocked"]["violations"], 2);
  EXPECT_EQ(sc["blocked"]["forbidden_requests"], 2);
  EXPECT_EQ(sc["blocked"]["withheld_outputs"], 1);
  EXPECT_EQ(sc["blocked"]["denied_by_syscall"]["ptrace"], 1);
  EXPECT_EQ(sc["exposure"]["sensitive_outputs"], 2);
  EXPECT_EQ(sc["exposure"]["withheld"], 1);
  EXPECT_EQ(sc["exposure"]["redacted"], 1);
  EXPECT_EQ(sc["contain"]["operator"]["count"], 3);
  EXPECT_GT(sc["contain"]["operator"]["p99_ms"].get<double>(), 0.0);
  EXPECT_EQ(sc["by_tool"]["sh"]["calls"], 5);
  EXPECT_EQ(sc["coverage"]["sandboxed_calls"], 8);

  auto prom = admin.call({{"op", "stats"}, {"format", "prometheus"}});
  ASSERT_TRUE(prom && (*prom)["ok"].get<bool>());
  const std::string text = (*prom)["text"];
  EXPECT_NE(text.find("cordon_calls_total{tool=\"sh\",outcome=\"killed\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE cordon_contain_seconds summary"), std::string::npos);
  auto not_admin = alice.call({{"op", "stats"}, {"format", "prometheus"}});
  ASSERT_TRUE(not_admin);
  EXPECT_EQ((*not_admin)["error"]["code"], "forbidden");
  // Stats never carry output.
  EXPECT_EQ(st->dump().find("bob@corp-mail.com"), std::string::npos);
  EXPECT_EQ(st->dump().find("AKIAZ3MSJV4WWNKWW5FG"), std::string::npos);
  EXPECT_EQ(text.find("AKIAZ3MSJV4WWNKWW5FG"), std::string::npos);
}

}  // namespace
}  // namespace cordon::test
