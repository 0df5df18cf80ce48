// Helpers for tests that run real tools in the real sandbox.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/filter.h"
#include "cordon/host.h"
#include "cordon/profile.h"
#include "cordon/sandbox.h"

namespace cordon::test {

inline constexpr const char* kProbe = "/opt/probe/cordon-probe";

// Paths of the build's artefacts; the environment (CORDON_TEST_PROBE_DIR,
// CORDON_TEST_BIN, CORDON_TEST_PROFILES) overrides them, so that .ci/run can
// run a copy as an unprivileged user.
std::string probe_dir();
std::string cordon_bin();
std::string profiles_dir();

// The shipped output-filter rules, loaded once per test process.
std::shared_ptr<const RuleSet> test_rules();

// A strict profile for the probe tool and sh, as JSON (tests tweak it).
nlohmann::json base_profile();

// Parses the JSON as a profile; fails the test on errors.
std::shared_ptr<const Profile> profile_from(const nlohmann::json& j);

struct RunSpec {
  std::vector<std::string> argv;
  std::optional<std::string> workdir;
  std::optional<std::string> stdin_data;
  std::string skip;  // test switch
  HostInfo host = probe_host();
};

Result run(const nlohmann::json& profile, const RunSpec& spec);
Result run(const nlohmann::json& profile, std::vector<std::string> argv);
// sh -c SCRIPT under base_profile().
Result sh(const std::string& script);

const Control* find_control(const Result& r, const std::string& name);
const Denial* find_denial(const Result& r, const std::string& syscall);
std::string describe(const Result& r);  // for failure messages

// A fresh directory (mode 0777 so the tool's uid can write), removed after.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& rel, const std::string& text) const;

 private:
  std::string path_;
};

bool running_as_root();
// Processes on the host whose command line contains `marker`.
int count_host_processes(const std::string& marker);

}  // namespace cordon::test
