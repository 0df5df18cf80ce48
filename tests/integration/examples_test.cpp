// The example clients (examples/python, examples/cpp) run as a tenant's
// user against a real cordond; each checks its own steps and exits 0 only
// if every one behaved as documented.
#include <sys/wait.h>

#include <fstream>

#include "child_process.h"
#include "daemon_fixture.h"
#include "daemon_wait.h"

#ifndef CORDON_EXAMPLE_CLIENT
#define CORDON_EXAMPLE_CLIENT ""
#endif

namespace cordon::test {
namespace {

constexpr int kRunMs = 120'000;

struct ExampleRun {
  int status = -1;
  std::string output;
};

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "cordond tests run as root";
    ASSERT_TRUE(wait_until_serving(daemon_)) << daemon_.log();
    std::string notes = daemon_.alice_root() + "/project/notes.txt";
    std::ofstream(notes) << "int main() {}\n// TODO: handle errors\n";
    chown(notes.c_str(), kAlice, kAlice);
  }

  ExampleRun run(uid_t uid, std::vector<std::string> argv) {
    std::string err = daemon_.dir() + "/example.stderr";
    ChildProcess p(uid, argv, {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, err);
    ExampleRun r;
    r.output = p.read_all(kRunMs);
    auto st = p.wait_exit(kRunMs);
    r.status = st ? *st : -1;
    std::ifstream in(err);
    r.output += std::string(std::istreambuf_iterator<char>(in), {});
    return r;
  }

  std::vector<std::string> python(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(CORDON_SOURCE_DIR) + "/examples/python/agent_host_demo.py"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  std::vector<std::string> cpp(std::vector<std::string> args) const {
    std::vector<std::string> argv = {CORDON_EXAMPLE_CLIENT};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  void expect_all_steps(const ExampleRun& r) {
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.output;
    for (const char* step : {"health: ok", "tools: ok", "search_code: ok", "stream: ok", "unknown tool: ok",
                             "bad arguments: ok", "tool failure: ok", "all steps ok"})
      EXPECT_NE(r.output.find(step), std::string::npos) << step << "\n" << r.output;
    EXPECT_NE(r.output.find("notes.txt:2:// TODO: handle errors"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("FAILED"), std::string::npos) << r.output;
  }

  Daemon daemon_;
};

TEST_F(ExamplesTest, PythonClientRunsEveryStep) {
  expect_all_steps(run(kAlice, python({"--socket", daemon_.socket(), "--workspace", "project"})));
}

TEST_F(ExamplesTest, CppClientRunsEveryStep) {
  expect_all_steps(run(kAlice, cpp({"--socket", daemon_.socket(), "--workspace", "project"})));
}

// The examples can fail: a user the policy does not know is refused, and a
// missing socket is reported; both exit non-zero.
TEST_F(ExamplesTest, ExamplesReportRefusalsAndMissingDaemons) {
  for (auto argv : {python({"--socket", daemon_.socket()}), cpp({"--socket", daemon_.socket()})}) {
    ExampleRun r = run(kStranger, argv);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0) << r.output;
  }
  for (auto argv :
       {python({"--socket", daemon_.dir() + "/none.sock"}), cpp({"--socket", daemon_.dir() + "/none.sock"})}) {
    ExampleRun r = run(kAlice, argv);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1) << r.output;
    EXPECT_NE(r.output.find("connect: FAILED"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("none.sock"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace cordon::test
