#include "daemon/profile_set.h"

#include <algorithm>
#include <filesystem>

#include "cordon/filter_rules.h"

namespace cordon::daemon {

ProfileSetLoad load_profile_set(const std::vector<std::string>& dirs) {
  ProfileSetLoad out;
  auto set = std::make_shared<ProfileSet>();
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ProfileLoad load = load_profile(f.string());
      for (const auto& e : load.errors) out.errors.push_back(e.to_string());
      if (load.ok() && !set->by_name.count(load.profile->name)) set->by_name[load.profile->name] = load.profile;
    }
  }
  FilterRulesCache rules;
  for (const auto& [name, profile] : set->by_name) {
    FilterRulesCache::Lookup l = rules.for_profile(*profile);
    if (!l.rules) {
      out.errors.push_back(profile->source_path + ": output.rules: " + l.error);
      continue;
    }
    set->rules_by_name[name] = l.rules;
  }
  if (out.errors.empty()) out.set = std::move(set);
  return out;
}

}  // namespace cordon::daemon
