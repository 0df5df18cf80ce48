// `cordon run`: one call in a fresh sandbox, no daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cordon::cli {

struct RunArgs {
  std::string profile;                  // name or path
  std::vector<std::string> profile_dirs;
  std::optional<std::string> workdir;
  std::optional<std::string> stdin_file;
  std::vector<std::string> env;         // K=V
  std::optional<std::string> timeout;   // duration, narrows the profile's
  std::optional<std::string> secrets_file;  // JSON {"name": "value"}, mode 0600, ours
  std::optional<std::vector<std::string>> secret_names;  // narrows the grant
  bool json = false;
  std::string test_skip_control;        // hidden, tests only
  std::vector<std::string> argv;
};

// Returns the process exit status.
int run_command(const RunArgs& args);

// A duration: "500ms", "2s", "1m", or a plain number of seconds. nullopt if
// it is not a positive finite duration.
std::optional<std::uint64_t> parse_timeout_ms(const std::string& s);

// The default profile search path (after any --profile-dir).
std::vector<std::string> default_profile_dirs();

}  // namespace cordon::cli
