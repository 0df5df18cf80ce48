// The spawner process (cordon/spawner.h): the wire form of a ChildSpec
// survives the trip exactly and malformed forms are refused; calls cloned
// by the spawner are contained exactly like direct ones (seccomp denials,
// setup failures, limits, secrets, warm sandboxes); the spawner is the
// small static cordon-spawner program, and a program that is unsafe or not
// a spawner is refused for a forked one; and when the spawner dies, calls
// fall back to a direct clone.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <filesystem>
#include <fcntl.h>
#include <string>
#include <vector>

#include "child/spec_wire.h"
#include "cordon/secrets.h"
#include "cordon/spawner.h"
#include "sandbox/plan_internal.h"
#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

PlanPtr plan_for(const nlohmann::json& pj, std::vector<std::string> argv, std::vector<SecretValue> secrets = {},
                 std::optional<std::string> stdin_data = std::nullopt) {
  auto p = profile_from(pj);
  EXPECT_TRUE(p);
  if (!p) return nullptr;
  CallRequest req;
  req.rules = test_rules();
  req.argv = std::move(argv);
  req.secrets = std::move(secrets);
  req.stdin_data = std::move(stdin_data);
  req.env = {};
  PlanOutcome out = make_plan(p, req, probe_host());
  EXPECT_TRUE(out.ok()) << (out.errors.empty() ? "" : out.errors[0].to_string());
  return std::move(out.plan);
}

nlohmann::json secret_profile() {
  nlohmann::json j = base_profile();
  j["secrets"] = {{{"name", "gh_token"}, {"env", "GH_TOKEN"}}, {{"name", "db_pass"}, {"file", "/run/secrets/db_pass"}}};
  return j;
}

// Built at run time, after the spawner is forked, so that no copy of the
// whole value sits in writable memory the spawner inherited.
std::string token() { return std::string("ghp_Sp4wnT0ken") + "Qw3Zt7Vb1Nm4Hc6Jd0Fs5Ga2Pe"; }
std::string db_pass() { return std::string("spawner-Db-pass") + "/Secret+42"; }

std::vector<SecretValue> secrets() {
  FingerprintKey k = random_fingerprint_key();
  return {{"gh_token", token(), secret_fingerprint(k, "gh_token", token())},
          {"db_pass", db_pass(), secret_fingerprint(k, "db_pass", db_pass())}};
}

// An 8-aligned private copy of a wire form (as the spawner has it).
struct Buf {
  explicit Buf(const std::string& wire) : len(wire.size()) {
    mem = static_cast<char*>(mmap(nullptr, len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    std::memcpy(mem, wire.data(), len);
  }
  ~Buf() { munmap(mem, len + 1); }
  char* mem;
  std::size_t len;
};

std::string random_alnum(std::size_t n) {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(kChars[rd() % (sizeof kChars - 1)]);
  return out;
}

std::string s(const char* p) { return p ? std::string(p) : std::string("<null>"); }

std::vector<std::string> strings(char* const* v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; v && v[i]; ++i) out.emplace_back(v[i]);
  return out;
}

TEST(SpecWire, RoundTripKeepsEveryField) {
  PlanPtr plan = plan_for(secret_profile(), {"/bin/sh", "-c", "echo 'a b'", ""}, secrets());
  ASSERT_TRUE(plan);
  const child::ChildSpec& a = plan->spec;
  ASSERT_GT(a.n_mounts, 3u);
  ASSERT_EQ(a.n_secret_files, 1u);
  ASSERT_GT(a.n_landlock_rules, 0u);
  ASSERT_GT(a.seccomp_prog.len, 10u);

  const std::string wire = child::flatten_spec(a);
  Buf buf(wire);
  child::ChildSpec* b = child::unflatten_spec(buf.mem, buf.len);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(s(b->staging), s(a.staging));
  EXPECT_EQ(s(b->root_options), s(a.root_options));
  EXPECT_EQ(s(b->cwd), s(a.cwd));
  EXPECT_EQ(s(b->hostname), s(a.hostname));
  EXPECT_EQ(s(b->exec_path), s(a.exec_path));
  EXPECT_EQ(b->uid, a.uid);
  EXPECT_EQ(b->gid, a.gid);
  EXPECT_EQ(b->landlock_abi, a.landlock_abi);
  EXPECT_EQ(b->landlock_handled_fs, a.landlock_handled_fs);
  ASSERT_EQ(b->n_mounts, a.n_mounts);
  for (std::size_t i = 0; i < a.n_mounts; ++i) {
    EXPECT_EQ(s(b->mounts[i].source), s(a.mounts[i].source)) << i;
    EXPECT_EQ(s(b->mounts[i].target), s(a.mounts[i].target)) << i;
    EXPECT_EQ(s(b->mounts[i].data), s(a.mounts[i].data)) << i;
    EXPECT_EQ(b->mounts[i].kind, a.mounts[i].kind) << i;
    EXPECT_EQ(b->mounts[i].attr_set, a.mounts[i].attr_set) << i;
  }
  ASSERT_EQ(b->n_landlock_rules, a.n_landlock_rules);
  for (std::size_t i = 0; i < a.n_landlock_rules; ++i) {
    EXPECT_EQ(s(b->landlock_rules[i].path), s(a.landlock_rules[i].path)) << i;
    EXPECT_EQ(b->landlock_rules[i].access, a.landlock_rules[i].access) << i;
  }
  ASSERT_EQ(b->secret_files[0].len, db_pass().size());
  EXPECT_EQ(std::string(b->secret_files[0].data, b->secret_files[0].len), db_pass());
  EXPECT_EQ(s(b->secret_files[0].path), s(a.secret_files[0].path));
  ASSERT_EQ(b->seccomp_prog.len, a.seccomp_prog.len);
  EXPECT_EQ(std::memcmp(b->seccomp_prog.filter, a.seccomp_prog.filter, a.seccomp_prog.len * sizeof(sock_filter)), 0);
  EXPECT_EQ(strings(b->argv), strings(a.argv));
  EXPECT_EQ(strings(b->envp), strings(a.envp));
  EXPECT_EQ(strings(b->argv).back(), "");  // an empty argument survives
  // Every pointer points into the buffer, none into the launcher's memory.
  auto inside = [&](const void* p) { return p >= buf.mem && p < buf.mem + buf.len; };
  EXPECT_TRUE(inside(b->exec_path));
  EXPECT_TRUE(inside(b->argv) && inside(b->argv[0]));
  EXPECT_TRUE(inside(b->seccomp_prog.filter));
  // Descriptors are not carried.
  EXPECT_EQ(b->status_fd, -1);
}

TEST(SpecWire, MalformedFormsAreRefused) {
  PlanPtr plan = plan_for(base_profile(), {"/bin/sh", "-c", "true"});
  ASSERT_TRUE(plan);
  const std::string wire = child::flatten_spec(plan->spec);
  {  // shorter than a ChildSpec
    Buf buf(wire.substr(0, sizeof(child::ChildSpec) - 1));
    EXPECT_EQ(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
  {  // truncated: the strings are cut off
    Buf buf(wire.substr(0, sizeof(child::ChildSpec) + 8));
    EXPECT_EQ(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
  {  // a pointer beyond the end
    std::string w = wire;
    child::ChildSpec c;
    std::memcpy(&c, w.data(), sizeof c);
    c.exec_path = reinterpret_cast<const char*>(w.size() + 100);
    std::memcpy(w.data(), &c, sizeof c);
    Buf buf(w);
    EXPECT_EQ(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
  {  // a string without its NUL
    std::string w = wire;
    while (!w.empty() && w.back() == '\0') w.pop_back();
    Buf buf(w);
    EXPECT_EQ(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
  {  // counts beyond the arrays
    std::string w = wire;
    child::ChildSpec c;
    std::memcpy(&c, w.data(), sizeof c);
    c.n_mounts = child::kMaxMounts + 1;
    std::memcpy(w.data(), &c, sizeof c);
    Buf buf(w);
    EXPECT_EQ(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
  {  // the intact form is accepted
    Buf buf(wire);
    EXPECT_NE(child::unflatten_spec(buf.mem, buf.len), nullptr);
  }
}

// The program the tests expect: $CORDON_SPAWNER (the rootless suite's copy)
// or the build tree's.
std::string expected_program() {
  const char* e = std::getenv("CORDON_SPAWNER");
  return e ? e : CORDON_SPAWNER_BIN;
}

std::size_t mappings_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(f, line);) ++n;
  return n;
}

// Sets $CORDON_SPAWNER for one scope.
class SpawnerEnv {
 public:
  explicit SpawnerEnv(const std::string& v) {
    if (const char* o = std::getenv("CORDON_SPAWNER")) old_ = o;
    setenv("CORDON_SPAWNER", v.c_str(), 1);
  }
  ~SpawnerEnv() {
    if (old_) setenv("CORDON_SPAWNER", old_->c_str(), 1);
    else unsetenv("CORDON_SPAWNER");
  }

 private:
  std::optional<std::string> old_;
};

// A contained call through `s` (the fallback spawner must work too).
void expect_contained_call(const std::shared_ptr<Spawner>& s) {
  RunOptions o;
  o.spawner = s;
  PlanPtr plan = plan_for(base_profile(), {"/bin/sh", "-c", "echo through; grep ^Seccomp: /proc/self/status"});
  ASSERT_TRUE(plan);
  Result r = run_plan(*plan, o);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("through"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("Seccomp:\t2"), std::string::npos);
  EXPECT_EQ(s->spawned(), 1u);
}

TEST(SpawnerProgram, TheSpawnerIsTheSmallStaticProgram) {
  std::string err;
  std::vector<std::string> notes;
  auto s = Spawner::start(err, &notes);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->program(), expected_program()) << (notes.empty() ? "" : notes[0]);
  char exe[4096] = {};
  ssize_t n = readlink(("/proc/" + std::to_string(s->pid()) + "/exe").c_str(), exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::filesystem::path(exe), std::filesystem::canonical(expected_program()));
  // Static: a handful of mappings (a forked launcher has dozens, one per
  // shared library segment).
  EXPECT_LT(mappings_of(s->pid()), 24u);
  expect_contained_call(s);
}

TEST(SpawnerProgram, AProgramThatIsNotASpawnerIsRefused) {
  SpawnerEnv env("/bin/true");  // exits without a hello
  std::string err;
  std::vector<std::string> notes;
  auto s = Spawner::start(err, &notes);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->program(), "");  // a fork of this process
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("did not start as a spawner"), std::string::npos) << notes[0];
  expect_contained_call(s);
}

TEST(SpawnerProgram, AProgramOthersCanReplaceIsRefused) {
  TempDir dir;
  const std::string open_dir = dir.path() + "/open";
  const std::string safe_dir = dir.path() + "/safe";
  std::filesystem::create_directories(open_dir);
  std::filesystem::create_directories(safe_dir);
  chmod(dir.path().c_str(), 0755);
  chmod(open_dir.c_str(), 0777);
  chmod(safe_dir.c_str(), 0755);
  for (const auto& d : {open_dir, safe_dir})
    std::filesystem::copy_file(expected_program(), d + "/cordon-spawner");
  chmod((open_dir + "/cordon-spawner").c_str(), 0755);
  chmod((safe_dir + "/cordon-spawner").c_str(), 0777);
  for (const auto& [path, why] : {std::pair<std::string, std::string>{open_dir + "/cordon-spawner", "directory"},
                                  {safe_dir + "/cordon-spawner", "writable only by its owner"}}) {
    SpawnerEnv env(path);
    std::string err;
    std::vector<std::string> notes;
    auto s = Spawner::start(err, &notes);
    ASSERT_TRUE(s) << err;
    EXPECT_EQ(s->program(), "") << path;
    ASSERT_EQ(notes.size(), 1u) << path;
    EXPECT_NE(notes[0].find(why), std::string::npos) << notes[0];
  }
  // The same file, safely placed, is used.
  chmod((safe_dir + "/cordon-spawner").c_str(), 0755);
  SpawnerEnv env(safe_dir + "/cordon-spawner");
  std::string err;
  auto s = Spawner::start(err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->program(), safe_dir + "/cordon-spawner");
}


class SpawnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err;
    spawner_ = Spawner::start(err);
    ASSERT_TRUE(spawner_) << err;
    opts_.spawner = spawner_;
  }
  std::shared_ptr<Spawner> spawner_;
  RunOptions opts_;
};

TEST_F(SpawnerTest, CallsAreContainedLikeDirectOnes) {
  PlanPtr plan = plan_for(base_profile(),
                          {"/bin/sh", "-c",
                           "read line; echo \"got $line\"; echo pid=$$; grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status; "
                           "/opt/probe/cordon-probe ptrace"},
                          {}, std::string("through the spawner\n"));
  ASSERT_TRUE(plan);
  Result r = run_plan(*plan, opts_);
  ASSERT_NE(r.outcome, Outcome::SetupError) << describe(r);
  const std::string& out = r.stdout_.data;
  EXPECT_NE(out.find("got through the spawner"), std::string::npos) << out;
  EXPECT_NE(out.find("pid=2"), std::string::npos) << out;  // pid 1 is our init
  EXPECT_NE(out.find("Seccomp:\t2"), std::string::npos) << out;
  EXPECT_NE(out.find("NoNewPrivs:\t1"), std::string::npos) << out;
  EXPECT_NE(out.find("CapEff:\t0000000000000000"), std::string::npos) << out;
  EXPECT_NE(find_denial(r, "ptrace"), nullptr) << describe(r);
  EXPECT_FALSE(r.setup_steps.empty());
  EXPECT_EQ(spawner_->spawned(), 1u);
  EXPECT_TRUE(spawner_->alive());
}

TEST_F(SpawnerTest, TheLauncherIsTheParentAndKillsReachTheTree) {
  // A wall-time limit on a tree: the supervisor (this process) must be able
  // to wait for and kill what the spawner cloned.
  nlohmann::json pj = base_profile();
  pj["limits"]["wall_time"] = "1s";
  PlanPtr plan = plan_for(pj, {"/bin/sh", "-c", "sleep 30 & sleep 30 & wait"});
  ASSERT_TRUE(plan);
  Result r = run_plan(*plan, opts_);
  EXPECT_EQ(r.outcome, Outcome::Timeout) << describe(r);
  EXPECT_EQ(count_host_processes("sleep 30"), 0);
  // No zombie is left for this process to reap.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), spawner_->pid() > 0 ? 0 : -1);
}

TEST_F(SpawnerTest, SetupFailuresArriveWithTheirStep) {
  TempDir extra;
  nlohmann::json pj = base_profile();
  pj["filesystem"]["binds"].push_back({{"source", extra.path()}, {"target", "/extra"}});
  PlanPtr plan = plan_for(pj, {"/bin/sh", "-c", "echo should-not-run"});
  ASSERT_TRUE(plan);
  std::filesystem::remove_all(extra.path());
  Result r = run_plan(*plan, opts_);
  EXPECT_EQ(r.outcome, Outcome::SetupError) << describe(r);
  EXPECT_EQ(r.setup_step, "open_sources") << describe(r);
  EXPECT_EQ(r.setup_errno, ENOENT) << describe(r);
  EXPECT_TRUE(r.stdout_.data.empty());
  // The spawner goes on serving.
  PlanPtr ok = plan_for(base_profile(), {"/bin/sh", "-c", "echo fine"});
  Result r2 = run_plan(*ok, opts_);
  EXPECT_EQ(r2.outcome, Outcome::Ok) << describe(r2);
  EXPECT_TRUE(spawner_->alive());
}

TEST_F(SpawnerTest, SecretsArriveAndTheSpawnerKeepsNoCopy) {
  // Values made after the spawner was forked: when all tests share one
  // process, freed copies of earlier tests' values are in the memory it
  // inherited (cordond forks its spawner before it reads any secret).
  const std::string tok = "ghp_" + random_alnum(36);
  const std::string pass = "spawner-pass/" + random_alnum(16);
  FingerprintKey k = random_fingerprint_key();
  PlanPtr plan = plan_for(secret_profile(),
                          {"/bin/sh", "-c",
                           "test \"$GH_TOKEN\" = '" + tok + "' && echo env-ok; "
                           "test \"$(cat /run/secrets/db_pass)\" = '" + pass + "' && echo file-ok"},
                          {{"gh_token", tok, secret_fingerprint(k, "gh_token", tok)},
                           {"db_pass", pass, secret_fingerprint(k, "db_pass", pass)}});
  ASSERT_TRUE(plan);
  Result r = run_plan(*plan, opts_);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("env-ok"), std::string::npos) << r.stdout_.data;
  EXPECT_NE(r.stdout_.data.find("file-ok"), std::string::npos) << r.stdout_.data;
  // The spawner's memory no longer holds the values.
  std::string mem;
  {
    std::string path = "/proc/" + std::to_string(spawner_->pid()) + "/maps";
    FILE* maps = fopen(path.c_str(), "r");
    ASSERT_NE(maps, nullptr);
    int memfd = open(("/proc/" + std::to_string(spawner_->pid()) + "/mem").c_str(), O_RDONLY);
    ASSERT_GE(memfd, 0);
    char line[512];
    while (fgets(line, sizeof line, maps)) {
      unsigned long lo, hi;
      char perms[5];
      if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[1] != 'w') continue;
      if (hi - lo > (64ul << 20)) continue;
      std::string chunk(hi - lo, '\0');
      ssize_t n = pread(memfd, chunk.data(), chunk.size(), static_cast<off_t>(lo));
      if (n > 0) mem.append(chunk.data(), static_cast<std::size_t>(n));
    }
    fclose(maps);
    close(memfd);
  }
  EXPECT_FALSE(mem.empty());
  EXPECT_EQ(mem.find(pass), std::string::npos);
  EXPECT_EQ(mem.find(tok), std::string::npos);
}

TEST_F(SpawnerTest, WarmSandboxesAreBuiltThroughIt) {
  PlanPtr shape = plan_for(base_profile(), {"/bin/sh", "-c", "true"});
  ASSERT_TRUE(shape);
  WarmOutcome w = prepare_warm(*shape, 10000, spawner_.get());
  ASSERT_TRUE(w.sandbox) << w.error;
  EXPECT_EQ(spawner_->spawned(), 1u);
  PlanPtr call = plan_for(base_profile(), {"/bin/sh", "-c", "echo warm-$((6*7))"});
  Result r = run_plan(*call, opts_, std::move(w.sandbox));
  EXPECT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_TRUE(r.warm);
  EXPECT_EQ(r.stdout_.data, "warm-42\n");
}

TEST_F(SpawnerTest, WhenTheSpawnerDiesCallsCloneDirectly) {
  ASSERT_EQ(kill(spawner_->pid(), SIGKILL), 0);
  PlanPtr plan = plan_for(base_profile(), {"/bin/sh", "-c", "echo still-contained; grep ^Seccomp: /proc/self/status"});
  ASSERT_TRUE(plan);
  Result r = run_plan(*plan, opts_);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("still-contained"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("Seccomp:\t2"), std::string::npos);
  EXPECT_FALSE(spawner_->alive());
  Result again = run_plan(*plan, opts_);
  EXPECT_EQ(again.outcome, Outcome::Ok) << describe(again);
  EXPECT_EQ(spawner_->spawned(), 0u);
  // A spawner program is started again; calls go through the new one.
  const pid_t old = spawner_->pid();
  std::string err;
  ASSERT_TRUE(spawner_->relaunch(err)) << err;
  EXPECT_TRUE(spawner_->alive());
  EXPECT_EQ(spawner_->restarts(), 1u);
  EXPECT_NE(spawner_->pid(), old);
  Result third = run_plan(*plan, opts_);
  EXPECT_EQ(third.outcome, Outcome::Ok) << describe(third);
  EXPECT_EQ(spawner_->spawned(), 1u);
}

TEST(SpawnerProgram, AForkedSpawnerIsNotMadeAgain) {
  SpawnerEnv env("/bin/true");  // not a spawner: the spawner is a fork
  std::string err;
  auto s = Spawner::start(err);
  ASSERT_TRUE(s) << err;
  ASSERT_EQ(s->program(), "");
  ASSERT_EQ(kill(s->pid(), SIGKILL), 0);
  RunOptions o;
  o.spawner = s;
  PlanPtr plan = plan_for(base_profile(), {"/bin/sh", "-c", "echo direct"});
  ASSERT_TRUE(plan);
  EXPECT_EQ(run_plan(*plan, o).outcome, Outcome::Ok);
  EXPECT_FALSE(s->alive());
  EXPECT_FALSE(s->relaunch(err));
  EXPECT_NE(err.find("not made again"), std::string::npos) << err;
  EXPECT_FALSE(s->alive());
}

}  // namespace
}  // namespace cordon::test
