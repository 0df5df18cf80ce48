// `cordon run` end to end: output, exit codes, --json, errors.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

struct CliResult {
  int status = -1;
  std::string out, err;
};

CliResult cordon_cli(const std::vector<std::string>& args) {
  int o[2], e[2];
  if (pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) return {};
  const std::string profile_path = profiles_dir();
  pid_t pid = fork();
  if (pid == 0) {
    setenv("CORDON_PROFILE_PATH", profile_path.c_str(), 1);
    dup2(o[1], 1);
    dup2(e[1], 2);
    const std::string bin = cordon_bin();
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  CliResult r;
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    poll(fds, 2, -1);
    for (auto& f : fds) {
      if (f.fd < 0 || !f.revents) continue;
      char buf[65536];
      ssize_t n = read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        close(f.fd);
        f.fd = -1;
        --open_fds;
      } else {
        (f.fd == o[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

TEST(Cli, RunPrintsToolOutputAndPassesItsExitCode) {
  TempDir ws;
  CliResult r = cordon_cli({"run", "--profile", "sh", "--workdir", ws.path(), "--", "sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Cli, JsonResultHasEveryField) {
  TempDir ws;
  CliResult r = cordon_cli({"run", "-p", "sh", "-w", ws.path(), "--json", "--", "sh", "-c", "echo hi"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "ok");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["stdout"]["data"], "hi\n");
  EXPECT_EQ(j["stdout"]["truncated"], false);
  for (const char* k : {"detail", "signal", "limit_hit", "stderr", "time", "peak_memory_bytes", "setup_steps",
                        "controls", "denied_syscalls", "dangerous_opt_ins", "profile"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["profile"]["name"], "sh");
  EXPECT_EQ(j["profile"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_GT(j["time"]["setup_us"].get<int>(), 0);
}

TEST(Cli, DocumentedExitCodes) {
  TempDir ws;
  EXPECT_EQ(cordon_cli({"run", "-p", "sh", "-w", ws.path(), "--timeout", "300ms", "--", "sh", "-c", "sleep 5"}).status,
            kExitTimeout);
  EXPECT_EQ(cordon_cli({"run", "-p", "sh", "-w", ws.path(), "--", "sh", "-c", "kill -9 $$"}).status, 128 + 9);
  CliResult bad = cordon_cli({"run", "-p", "sh", "--", "sh", "-c", "true"});  // no workdir
  EXPECT_EQ(bad.status, kExitSetupError);
  EXPECT_NE(bad.err.find("workdir"), std::string::npos) << bad.err;
}

TEST(Cli, InvalidProfileReportsEveryErrorWithFileAndField) {
  TempDir dir;
  std::string path = dir.write("bad.json", R"({
    // two mistakes and an unknown field
    "schema": 1, "name": "Bad Name", "version": "1",
    "exec": ["relative/path"], "bogus": true
  })");
  CliResult r = cordon_cli({"run", "-p", path, "--", "x"});
  EXPECT_EQ(r.status, kExitSetupError);
  EXPECT_NE(r.err.find(path + ": name:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ": exec[0]:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ": bogus:"), std::string::npos) << r.err;
}

TEST(Cli, UnknownProfileAndForbiddenEnv) {
  CliResult r = cordon_cli({"run", "-p", "no-such-profile", "--", "x"});
  EXPECT_EQ(r.status, kExitSetupError);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  TempDir ws;
  CliResult e = cordon_cli({"run", "-p", "sh", "-w", ws.path(), "-e", "LD_PRELOAD=/x.so", "--", "sh", "-c", "true"});
  EXPECT_EQ(e.status, kExitSetupError);
  EXPECT_NE(e.err.find("env.LD_PRELOAD"), std::string::npos) << e.err;
}

TEST(Cli, ProfileCheckExplainDiff) {
  TempDir dir;
  std::string bad = dir.write("bad.json", R"({"schema": 1, "name": "x", "version": "1", "exec": ["/bin/sh"], "limits": {"memory": 5}, "extra": 1})");
  CliResult r = cordon_cli({"profile", "check", profiles_dir() + "/sh.json", bad});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(profiles_dir() + "/sh.json: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(bad + ": limits.memory:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(bad + ": extra: unknown field"), std::string::npos) << r.out;
  // Every shipped profile passes check.
  std::vector<std::string> args{"profile", "check"};
  for (const auto& e : std::filesystem::directory_iterator(profiles_dir()))
    if (e.path().extension() == ".json") args.push_back(e.path().string());
  CliResult all = cordon_cli(args);
  EXPECT_EQ(all.status, 0) << all.out;
  CliResult ex = cordon_cli({"profile", "explain", "strict"});
  EXPECT_EQ(ex.status, 0);
  EXPECT_NE(ex.out.find("exposure: 0.3 / 10 (locked down)"), std::string::npos) << ex.out;
  CliResult d = cordon_cli({"profile", "diff", "strict", "sh"});
  EXPECT_EQ(d.status, 1) << "sh widens strict";
  EXPECT_NE(d.out.find("WIDENS   filesystem.workspace"), std::string::npos) << d.out;
  EXPECT_EQ(cordon_cli({"profile", "diff", "sh", "sh"}).status, 0);
}

TEST(Cli, StdinFile) {
  TempDir ws;
  std::string in = ws.write("input.txt", "one\ntwo\nthree\n");
  CliResult r = cordon_cli({"run", "-p", "sh", "-w", ws.path(), "--stdin", in, "--", "sh", "-c", "wc -l"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

}  // namespace
}  // namespace cordon::test
