// `cordon profile check|explain|diff`: operator tools over profiles.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cordon::cli {

struct ProfileCommands {
  CLI::App* check = nullptr;
  CLI::App* explain = nullptr;
  CLI::App* diff = nullptr;
  std::vector<std::string> files;       // check
  std::string name;                     // explain
  std::vector<std::string> profile_dirs;
  std::string before, after;            // diff
  bool json = false;
};

void add_profile_commands(CLI::App& app, ProfileCommands& cmds);
// The exit status when one of these commands was parsed.
std::optional<int> run_profile_command(const ProfileCommands& cmds);

}  // namespace cordon::cli
