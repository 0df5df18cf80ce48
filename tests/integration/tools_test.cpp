// Real tools under the shipped profiles.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

std::shared_ptr<const Profile> shipped(const std::string& name) {
  ProfileLoad load = resolve_profile(name, {profiles_dir()});
  for (const auto& e : load.errors) ADD_FAILURE() << e.to_string();
  return load.profile;
}

Result run_shipped(const std::string& name, std::vector<std::string> argv, const std::optional<std::string>& workdir) {
  auto p = shipped(name);
  if (!p) return setup_error_result("profile", "missing", nullptr);
  CallRequest req;
  req.rules = test_rules();
  req.argv = std::move(argv);
  req.workdir = workdir;
  PlanOutcome plan = make_plan(p, req, probe_host());
  if (!plan.ok()) {
    std::string d;
    for (const auto& e : plan.errors) d += e.to_string() + "; ";
    return setup_error_result("plan", d, p.get());
  }
  return run_plan(*plan.plan);
}

TEST(ShippedProfiles, EveryProfileLoads) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(profiles_dir())) {
    if (entry.path().extension() != ".json") continue;
    ProfileLoad load = load_profile(entry.path().string());
    EXPECT_TRUE(load.ok()) << entry.path();
    for (const auto& e : load.errors) ADD_FAILURE() << e.to_string();
    ++n;
  }
  EXPECT_GE(n, 2);
}

TEST(ShippedProfiles, ShellWithCoreutilsWorksInTheWorkspace) {
  TempDir ws;
  ws.write("data/b.txt", "banana\ncherry\n");
  ws.write("data/a.txt", "apple\n");
  Result r = run_shipped("sh",
                         {"sh", "-c",
                          "cd data && cat a.txt b.txt | sort -r | head -2 && wc -l a.txt b.txt | tail -1 && "
                          "mkdir -p ../out && echo written > ../out/result.txt && ls .. && sha256sum a.txt | cut -c1-8 "
                          "&& date +%Y >/dev/null && echo $HOME"},
                         ws.path());
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "cherry\nbanana\n 3 total\ndata\nout\n" + std::string("303980bc") + "\n/work\n")
      << r.stdout_.data;
  struct stat sb{};
  ASSERT_EQ(stat((ws.path() + "/out/result.txt").c_str(), &sb), 0);
  EXPECT_NE(sb.st_uid, 0u) << "files the tool writes are never owned by host root";
}

TEST(ShippedProfiles, Python3RunsAScriptFromTheWorkspace) {
  TempDir ws;
  ws.write("job.py",
           "import json, sys, os, hashlib, subprocess\n"
           "data = {'n': sum(range(10)), 'cwd': os.getcwd(), 'uid': os.getuid()}\n"
           "with open('out.json', 'w') as f: json.dump(data, f)\n"
           "print(json.dumps(data, sort_keys=True))\n"
           "print(subprocess.run(['/bin/echo', 'child'], capture_output=True, text=True).stdout.strip())\n");
  Result r = run_shipped("python3", {"python3", "job.py"}, ws.path());
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "{\"cwd\": \"/work\", \"n\": 45, \"uid\": 1000}\nchild\n");
  EXPECT_TRUE(std::filesystem::exists(ws.path() + "/out.json"));
  EXPECT_TRUE(r.denials.empty()) << describe(r);
}

TEST(ShippedProfiles, Python3CannotReachTheNetwork) {
  TempDir ws;
  ws.write("net.py",
           "import socket\n"
           "try:\n"
           "    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
           "    print('connected')\n"
           "except OSError as e:\n"
           "    print('refused', e.errno)\n");
  Result r = run_shipped("python3", {"python3", "net.py"}, ws.path());
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "refused 101\n");  // ENETUNREACH: only loopback exists
}

}  // namespace
}  // namespace cordon::test

namespace cordon::test {
namespace {

Result run_in(const std::string& profile, std::vector<std::string> argv, const TempDir& ws,
              std::optional<std::string> stdin_data = std::nullopt) {
  auto p = resolve_profile(profile, {profiles_dir()}).profile;
  if (!p) return setup_error_result("profile", "missing " + profile, nullptr);
  CallRequest req;
  req.rules = test_rules();
  req.argv = std::move(argv);
  req.workdir = ws.path();
  req.stdin_data = std::move(stdin_data);
  PlanOutcome plan = make_plan(p, req, probe_host());
  if (!plan.ok()) return setup_error_result("plan", plan.errors[0].to_string(), p.get());
  return run_plan(*plan.plan);
}

TEST(ShippedProfiles, NodeRunsAScript) {
  TempDir ws;
  ws.write("app.js",
           "const fs = require('fs');\n"
           "fs.writeFileSync('out.txt', 'from node');\n"
           "console.log(JSON.stringify({sum: [1,2,3].reduce((a, b) => a + b), cwd: process.cwd()}));\n");
  Result r = run_in("node", {"node", "app.js"}, ws);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "{\"sum\":6,\"cwd\":\"/work\"}\n");
  EXPECT_TRUE(std::filesystem::exists(ws.path() + "/out.txt"));
}

TEST(ShippedProfiles, GitWorksLocallyButNotOverTheNetwork) {
  TempDir ws;
  ws.write("README", "hello\n");
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "git");
    return run_in("git", args, ws);
  };
  ASSERT_EQ(git({"init", "-q", "-b", "main"}).outcome, Outcome::Ok);
  ASSERT_EQ(git({"-c", "user.name=T", "-c", "user.email=t@example.invalid", "add", "README"}).outcome, Outcome::Ok);
  Result c = git({"-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "first"});
  ASSERT_EQ(c.outcome, Outcome::Ok) << describe(c);
  Result log = git({"log", "--format=%s"});
  EXPECT_EQ(log.stdout_.data, "first\n") << describe(log);
  ws.write("new.txt", "x");
  EXPECT_EQ(git({"status", "--porcelain"}).stdout_.data, "?? new.txt\n");
  Result remote = git({"ls-remote", "https://192.0.2.1/repo.git"});
  EXPECT_EQ(remote.outcome, Outcome::ExitNonzero) << describe(remote);
}

TEST(ShippedProfiles, RipgrepAndGrepSearchReadOnly) {
  TempDir ws;
  ws.write("src/a.c", "int main(void) { return needle; }\n");
  ws.write("src/b.c", "/* nothing */\n");
  Result rg = run_in("rg", {"rg", "-n", "needle", "src"}, ws);
  ASSERT_EQ(rg.outcome, Outcome::Ok) << describe(rg);
  EXPECT_EQ(rg.stdout_.data, "src/a.c:1:int main(void) { return needle; }\n");
  Result grep = run_in("rg", {"grep", "-rl", "nothing", "."}, ws);
  EXPECT_EQ(grep.stdout_.data, "./src/b.c\n") << describe(grep);
}

TEST(ShippedProfiles, FindListsTheWorkspace) {
  TempDir ws;
  ws.write("a/one.txt", "1");
  ws.write("a/b/two.txt", "2");
  ws.write("c.md", "3");
  Result r = run_in("find", {"find", ".", "-name", "*.txt"}, ws);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  std::string out = r.stdout_.data;
  EXPECT_NE(out.find("./a/one.txt\n"), std::string::npos) << out;
  EXPECT_NE(out.find("./a/b/two.txt\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("c.md"), std::string::npos);
  Result del = run_in("find", {"find", ".", "-name", "c.md", "-delete"}, ws);
  EXPECT_NE(del.outcome, Outcome::Ok) << "read-only workspace";
  EXPECT_TRUE(std::filesystem::exists(ws.path() + "/c.md"));
}

TEST(ShippedProfiles, JqFromStdinAndWorkspace) {
  TempDir ws;
  ws.write("data.json", R"({"items": [{"n": 1}, {"n": 2}, {"n": 3}]})");
  Result r = run_in("jq", {"jq", "-c", "[.items[].n] | add"}, ws, std::string(R"({"items": [{"n": 5}]})"));
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "5\n");
  Result f = run_in("jq", {"jq", ".items | length", "data.json"}, ws);
  EXPECT_EQ(f.stdout_.data, "3\n") << describe(f);
}

TEST(ShippedProfiles, Sqlite3OnAWorkspaceDatabase) {
  TempDir ws;
  Result r = run_in("sqlite3", {"sqlite3", "app.db",
                                "create table t(x); insert into t values (1),(2),(40); select sum(x) from t;"}, ws);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "43\n");
  EXPECT_TRUE(std::filesystem::exists(ws.path() + "/app.db"));
}

TEST(ShippedProfiles, ViewerReadsButCannotWrite) {
  TempDir ws;
  ws.write("notes.txt", "one\ntwo\nthree\n");
  EXPECT_EQ(run_in("viewer", {"head", "-n", "2", "notes.txt"}, ws).stdout_.data, "one\ntwo\n");
  EXPECT_EQ(run_in("viewer", {"sed", "-n", "3p", "notes.txt"}, ws).stdout_.data, "three\n");
  EXPECT_EQ(run_in("viewer", {"wc", "-l", "notes.txt"}, ws).stdout_.data, "3 notes.txt\n");
  Result w = run_in("viewer", {"sed", "-i", "s/one/ONE/", "notes.txt"}, ws);
  EXPECT_EQ(w.outcome, Outcome::ExitNonzero) << describe(w);
  std::ifstream in(ws.path() + "/notes.txt");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "one");
}

TEST(ShippedProfiles, MakeBuildsAndRunsACProgram) {
  TempDir ws;
  ws.write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"built in a sandbox\"); return 0; }\n");
  ws.write("Makefile", "all: hello\n\t./hello\nhello: hello.c\n\tcc -O1 -o hello hello.c\n");
  Result r = run_in("make", {"make", "-s"}, ws);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "built in a sandbox\n");
}

}  // namespace
}  // namespace cordon::test
