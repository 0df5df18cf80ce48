#include "cordon/profile_commands.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "cordon/profile.h"
#include "cordon/profile_tools.h"
#include "cordon/run_command.h"

namespace cordon::cli {
namespace {

// Exit codes: 0 fine, 1 errors (check) or a widening (diff), 125 usage.
int do_check(const ProfileCommands& c) {
  int status = 0;
  for (const auto& f : c.files) {
    ProfileLoad load = load_profile(f);
    if (!load.ok()) {
      for (const auto& e : load.errors) std::cout << e.to_string() << "\n";
      status = 1;
      continue;
    }
    auto warnings = lint_profile(*load.profile);
    for (const auto& w : warnings) std::cout << f << ": warning: " << w << "\n";
    if (warnings.empty()) std::cout << f << ": ok\n";
    else std::cout << f << ": ok (" << warnings.size() << " warning" << (warnings.size() == 1 ? "" : "s") << ")\n";
  }
  return status;
}

ProfileLoad find(const std::string& name, const std::vector<std::string>& extra) {
  std::vector<std::string> dirs = extra;
  for (auto& d : default_profile_dirs()) dirs.push_back(d);
  return resolve_profile(name, dirs);
}

int report_errors(const ProfileLoad& l) {
  for (const auto& e : l.errors) std::cerr << e.to_string() << "\n";
  return 125;
}

int do_explain(const ProfileCommands& c) {
  ProfileLoad l = find(c.name, c.profile_dirs);
  if (!l.ok()) return report_errors(l);
  Explanation e = explain_profile(*l.profile);
  if (c.json) {
    nlohmann::ordered_json j = {{"profile", l.profile->name}, {"version", l.profile->version}, {"score", e.score}};
    j["contributions"] = nlohmann::ordered_json::array();
    for (const auto& i : e.items) j["contributions"].push_back({{"control", i.control}, {"points", i.points}, {"why", i.why}});
    j["can"] = e.can;
    j["cannot"] = e.cannot;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << render_explanation(*l.profile, e);
  }
  return 0;
}

int do_diff(const ProfileCommands& c) {
  ProfileLoad a = find(c.before, c.profile_dirs);
  if (!a.ok()) return report_errors(a);
  ProfileLoad b = find(c.after, c.profile_dirs);
  if (!b.ok()) return report_errors(b);
  auto d = diff_profiles(*a.profile, *b.profile);
  bool widens = false;
  for (const auto& line : d) widens = widens || line.kind == DiffLine::Kind::Widens;
  if (c.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& line : d)
      j.push_back({{"kind", line.kind == DiffLine::Kind::Widens ? "widens" : line.kind == DiffLine::Kind::Narrows ? "narrows" : "changes"},
                   {"field", line.field}, {"text", line.text}});
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << render_diff(d);
  }
  return widens ? 1 : 0;
}

}  // namespace

void add_profile_commands(CLI::App& app, ProfileCommands& c) {
  auto* p = app.add_subcommand("profile", "Check, explain and compare profiles");
  p->require_subcommand(1);
  c.check = p->add_subcommand("check", "Validate profiles: every error (file: field: reason) and risky choices; exit 1 on any error");
  c.check->add_option("files", c.files, "Profile files")->required();
  c.explain = p->add_subcommand("explain", "What a profile lets a tool do, in plain words, with an exposure score (0-10)");
  c.explain->add_option("name", c.name, "Profile name or path")->required();
  c.explain->add_option("--profile-dir", c.profile_dirs, "Extra directory to look up profile names in");
  c.explain->add_flag("--json", c.json, "JSON output");
  c.diff = p->add_subcommand("diff", "What a new version of a profile grants or removes; exit 1 when it widens");
  c.diff->add_option("old", c.before, "Old profile (name or path)")->required();
  c.diff->add_option("new", c.after, "New profile (name or path)")->required();
  c.diff->add_option("--profile-dir", c.profile_dirs, "Extra directory to look up profile names in");
  c.diff->add_flag("--json", c.json, "JSON output");
}

std::optional<int> run_profile_command(const ProfileCommands& c) {
  if (c.check && c.check->parsed()) return do_check(c);
  if (c.explain && c.explain->parsed()) return do_explain(c);
  if (c.diff && c.diff->parsed()) return do_diff(c);
  return std::nullopt;
}

}  // namespace cordon::cli
