// Real tools under the shipped profiles.
#include <sys/stat.h>

#include <filesystem>

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
