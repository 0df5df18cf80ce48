// Scoped credentials in the sandbox: a granted secret arrives exactly as
// the profile says (variable or 0400 file in a read-only tmpfs), nothing
// else arrives, and no way of printing it gets it past the output filter.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cordon/secrets.h"
#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

const std::string kToken = "ghp_Zq81LxW0vTm3Rk5Yp7Hn2Bd9Cf4Gj6Ks1Ue";  // shaped like a GitHub token
const std::string kDbPass = "c0rrect-h0rse/B4ttery+staple";
const std::string kOther = "other-tenant-Secret-77Hq2Lx9";  // in our memory, never granted

nlohmann::json granting_profile() {
  nlohmann::json j = base_profile();
  j["secrets"] = {{{"name", "gh_token"}, {"env", "GH_TOKEN"}}, {{"name", "db_pass"}, {"file", "/run/secrets/db_pass"}}};
  return j;
}

Result run_with(const nlohmann::json& pj, const std::string& script, std::vector<SecretValue> secrets) {
  auto p = profile_from(pj);
  if (!p) return setup_error_result("profile", "bad", nullptr);
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", script};
  req.secrets = std::move(secrets);
  PlanOutcome plan = make_plan(p, req, probe_host());
  if (!plan.ok()) {
    std::string d;
    for (const auto& e : plan.errors) d += e.to_string() + "; ";
    return setup_error_result("plan", d, p.get());
  }
  return run_plan(*plan.plan);
}

std::vector<SecretValue> both() {
  FingerprintKey k = random_fingerprint_key();
  return {{"gh_token", kToken, secret_fingerprint(k, "gh_token", kToken)},
          {"db_pass", kDbPass, secret_fingerprint(k, "db_pass", kDbPass)}};
}

void expect_clean(const Result& r) {
  const std::string all = to_json(r).dump();
  for (const std::string& v : {kToken, kDbPass, kOther}) EXPECT_EQ(all.find(v), std::string::npos) << all;
}

TEST(Secrets, DeliveredAsVariableAndAsPrivateReadOnlyFile) {
  Result r = run_with(granting_profile(),
                      "test -n \"$GH_TOKEN\" && echo env-ok; "
                      "stat -c '%a %u %g' /run/secrets/db_pass; "
                      "test \"$(cat /run/secrets/db_pass)\" = \"$(printf '%s' '" + kDbPass + "')\" && echo file-ok; "
                      "echo x > /run/secrets/db_pass 2>/dev/null || echo write-refused; "
                      "touch /run/secrets/new 2>/dev/null || echo create-refused; "
                      "ls /run/secrets",
                      both());
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  const std::string& out = r.stdout_.data;
  EXPECT_NE(out.find("env-ok"), std::string::npos) << out;
  EXPECT_NE(out.find("400 1000 1000"), std::string::npos) << out;
  EXPECT_NE(out.find("file-ok"), std::string::npos) << out;
  EXPECT_NE(out.find("write-refused"), std::string::npos) << out;
  EXPECT_NE(out.find("create-refused"), std::string::npos) << out;
  ASSERT_EQ(r.secrets.size(), 2u);
  EXPECT_EQ(r.secrets[0].name, "gh_token");
  EXPECT_EQ(r.secrets[0].delivery, "env:GH_TOKEN");
  EXPECT_EQ(r.secrets[1].delivery, "file:/run/secrets/db_pass");
  EXPECT_EQ(r.secrets[0].fingerprint.size(), 12u);
  expect_clean(r);
}

TEST(Secrets, EveryWayOfPrintingTheSecretIsRedacted) {
  const std::string script =
      "printf '%s\\n' \"$GH_TOKEN\"; "                                        // raw
      "printf '%s' \"$GH_TOKEN\" | base64 -w0; echo; "                       // base64
      "printf 'ab%s' \"$GH_TOKEN\" | base64 -w0; echo; "                     // base64, shifted
      "printf '%s' \"$GH_TOKEN\" | od -An -tx1 | tr -d ' \\n'; echo; "         // hex
      "printf '%s' \"$GH_TOKEN\" | od -An -tx1 | tr -d ' \\n' | tr a-f A-F; echo; "  // HEX
      "t=\"$GH_TOKEN\"; printf '%.15s' \"$t\"; sleep 0.05; printf '%s\\n' \"${t#???????????????}\"; "  // two writes
      "printf '\\033[31m%s\\033[0m\\n' \"$GH_TOKEN\"; "                         // colour
      "cat /run/secrets/db_pass; echo; "                                       // file
      "printf 'pw=c0rrect-h0rse%%2FB4ttery%%2Bstaple\\n'; "                      // URL-encoded
      "cat /run/secrets/db_pass >&2";                                          // stderr
  Result r = run_with(granting_profile(), script, both());
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data.find("Zq81LxW0vTm3"), std::string::npos) << r.stdout_.data;
  EXPECT_EQ(r.stdout_.data.find("h0rse"), std::string::npos) << r.stdout_.data;
  EXPECT_EQ(r.stderr_.data.find("h0rse"), std::string::npos) << r.stderr_.data;
  EXPECT_GE(r.filter.redactions["exact:gh_token"], 6u) << r.stdout_.data;
  EXPECT_GE(r.filter.redactions["exact:db_pass"], 3u) << r.stdout_.data << r.stderr_.data;
  EXPECT_EQ(r.filter.data_class, "restricted");
  expect_clean(r);
}

TEST(Secrets, TheToolGetsOnlyWhatWasSuppliedAndNothingOfOurs) {
  setenv("CORDON_TEST_OTHER_SECRET", kOther.c_str(), 1);  // our environment
  std::shared_ptr<SecretStore> keep_in_memory;            // and our memory
  std::string copy = kOther;
  FingerprintKey k = random_fingerprint_key();
  // Only gh_token supplied: the grant is narrowed; db_pass must not appear.
  const std::string script =
      "env; test -e /run/secrets/db_pass && echo DB\"\"PASS-PRESENT; "
      "for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null | tr '\\0' '\\n'; cat $p/cmdline 2>/dev/null; done; "
      "head -c 100000 /proc/1/mem 2>&1 | head -c 200; "
      "ls -l /proc/self/fd; grep -r . /proc/1/fd 2>/dev/null | head -c 200; "
      "cat /proc/1/maps 2>&1 | head -3";
  Result r = run_with(granting_profile(), script, {{"gh_token", kToken, secret_fingerprint(k, "gh_token", kToken)}});
  unsetenv("CORDON_TEST_OTHER_SECRET");
  ASSERT_TRUE(r.outcome == Outcome::Ok || r.outcome == Outcome::ExitNonzero) << describe(r);
  const std::string all = r.stdout_.data + r.stderr_.data;
  EXPECT_EQ(all.find(kOther), std::string::npos) << all;
  EXPECT_EQ(all.find("CORDON_TEST_OTHER_SECRET"), std::string::npos);
  EXPECT_EQ(all.find(kDbPass), std::string::npos);
  EXPECT_EQ(all.find("DBPASS-PRESENT"), std::string::npos) << all;  // not even the file
  ASSERT_EQ(r.secrets.size(), 1u);
  expect_clean(r);
  EXPECT_FALSE(copy.empty());
}

TEST(Secrets, ANameTheProfileDoesNotGrantIsRefused) {
  auto p = profile_from(granting_profile());
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/bin/sh", "-c", "true"};
  req.secrets = {{"aws_key", "AKIAZ3MSJV4WWNKWW5FG", "x"}};
  PlanOutcome plan = make_plan(p, req, probe_host());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.errors[0].field, "secrets[0]");
}

TEST(Secrets, ProfileGrantErrorsAreReportedAtOnce) {
  nlohmann::json j = base_profile();
  j["env"]["pass"] = {"TOKEN"};
  j["secrets"] = {{{"name", "a b"}, {"env", "X"}},
                  {{"name", "t"}, {"env", "TOKEN"}},
                  {{"name", "u"}, {"env", "U"}, {"file", "/run/u"}},
                  {{"name", "v"}, {"file", "relative/v"}},
                  {{"name", "w"}, {"file", "/proc/w"}},
                  {{"name", "x"}, {"file", "/x"}}};
  ProfileLoad load = parse_profile(j.dump(), "p.json");
  ASSERT_FALSE(load.ok());
  std::string all;
  for (const auto& e : load.errors) all += e.to_string() + "\n";
  for (const char* f : {"secrets[0].name", "secrets[1].env", "secrets[2]:", "secrets[3].file", "secrets[4].file",
                        "secrets[5].file"})
    EXPECT_NE(all.find(f), std::string::npos) << f << "\n" << all;
}

// ---- the store ----

class StoreDir {
 public:
  StoreDir() {
    mkdir(dir_.path().c_str(), 0700);
    chmod(dir_.path().c_str(), 0700);
  }
  std::string root() const { return dir_.path(); }
  void put(const std::string& tenant, const std::string& name, const std::string& value, mode_t mode = 0600) {
    const std::string t = dir_.path() + "/" + tenant;
    mkdir(t.c_str(), 0700);
    const std::string f = t + "/" + name;
    std::ofstream(f, std::ios::trunc) << value << "\n";
    chmod(f.c_str(), mode);
  }

 private:
  TempDir dir_;
};

TEST(SecretStore, NamespacedPerTenantAndNarrowedByRequest) {
  StoreDir d;
  d.put("alice", "gh_token", "alice-token-1234");
  d.put("alice", "db_pass", "alice-db-5678");
  d.put("bob", "gh_token", "bob-token-abcd");
  SecretStore::Load l = SecretStore::load_dir(d.root());
  ASSERT_TRUE(l.store) << (l.errors.empty() ? "" : l.errors[0]);
  auto p = profile_from(granting_profile());
  FingerprintKey k = random_fingerprint_key();
  auto a = l.store->values_for("alice", *p, std::nullopt, k);
  ASSERT_TRUE(a.error_code.empty()) << a.error;
  ASSERT_EQ(a.values.size(), 2u);
  EXPECT_EQ(a.values[0].value, "alice-token-1234");  // trailing newline dropped
  auto b = l.store->values_for("bob", *p, std::nullopt, k);
  EXPECT_EQ(b.error_code, "secret_unavailable");  // bob has no db_pass
  EXPECT_EQ(b.error.find("bob-token"), std::string::npos);
  auto bn = l.store->values_for("bob", *p, std::vector<std::string>{"gh_token"}, k);
  ASSERT_TRUE(bn.error_code.empty()) << bn.error;
  ASSERT_EQ(bn.values.size(), 1u);
  EXPECT_EQ(bn.values[0].value, "bob-token-abcd");
  auto widen = l.store->values_for("alice", *p, std::vector<std::string>{"root_key"}, k);
  EXPECT_EQ(widen.error_code, "forbidden");
  auto nobody = l.store->values_for("carol", *p, std::nullopt, k);
  EXPECT_EQ(nobody.error_code, "secret_unavailable");
  // Fingerprints: stable for a value under one key, different across values and keys.
  EXPECT_EQ(secret_fingerprint(k, "a", "value-1"), secret_fingerprint(k, "a", "value-1"));
  EXPECT_NE(secret_fingerprint(k, "a", "value-1"), secret_fingerprint(k, "a", "value-2"));
  EXPECT_NE(secret_fingerprint(k, "a", "value-1"), secret_fingerprint(random_fingerprint_key(), "a", "value-1"));
}

TEST(SecretStore, LooseFilesAreRefusedWithoutPrintingValues) {
  {
    StoreDir d;
    d.put("alice", "gh_token", "readable-by-group-1", 0640);
    SecretStore::Load l = SecretStore::load_dir(d.root());
    ASSERT_FALSE(l.store);
    ASSERT_FALSE(l.errors.empty());
    EXPECT_NE(l.errors[0].find("mode 0640"), std::string::npos) << l.errors[0];
    EXPECT_EQ(l.errors[0].find("readable-by-group-1"), std::string::npos);
  }
  {
    StoreDir d;
    d.put("alice", "gh_token", "fine-value-1");
    chmod((d.root() + "/alice").c_str(), 0755);
    EXPECT_FALSE(SecretStore::load_dir(d.root()).store);
  }
  {
    StoreDir d;
    d.put("alice", "real", "fine-value-1");
    symlink((d.root() + "/alice/real").c_str(), (d.root() + "/alice/link").c_str());
    SecretStore::Load l = SecretStore::load_dir(d.root());
    EXPECT_FALSE(l.store);
  }
  {
    StoreDir d;
    d.put("alice", "bad name", "fine-value-1");
    EXPECT_FALSE(SecretStore::load_dir(d.root()).store);
  }
  {
    StoreDir d;
    d.put("alice", "short", "abc");
    EXPECT_FALSE(SecretStore::load_dir(d.root()).store);
  }
  if (geteuid() == 0) {
    StoreDir d;
    d.put("alice", "gh_token", "fine-value-1");
    ASSERT_EQ(chown((d.root() + "/alice/gh_token").c_str(), 65534, 65534), 0);
    SecretStore::Load l = SecretStore::load_dir(d.root());
    ASSERT_FALSE(l.store);
    EXPECT_NE(l.errors[0].find("owned by uid 65534"), std::string::npos) << l.errors[0];
  }
}

TEST(SecretStore, JsonFileForCordonRun) {
  TempDir d;
  const std::string f = d.write("s.json", R"({"gh_token": "from-json-5678", "db_pass": "pw-from-json"})");
  chmod(f.c_str(), 0644);
  EXPECT_FALSE(SecretStore::load_json_file(f).store);
  chmod(f.c_str(), 0600);
  SecretStore::Load l = SecretStore::load_json_file(f);
  ASSERT_TRUE(l.store) << l.errors[0];
  EXPECT_EQ(l.store->secret_count(), 2u);
  const std::string bad = d.write("b.json", R"({"gh_token": 5})");
  chmod(bad.c_str(), 0600);
  SecretStore::Load lb = SecretStore::load_json_file(bad);
  ASSERT_FALSE(lb.store);
  EXPECT_NE(lb.errors[0].find("must be a string"), std::string::npos);
}

}  // namespace
}  // namespace cordon::test
