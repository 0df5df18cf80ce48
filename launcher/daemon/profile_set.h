// The daemon's set of loaded profiles, replaced as a whole on reload.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cordon/filter.h"
#include "cordon/profile.h"

namespace cordon::daemon {

struct ProfileSet {
  std::map<std::string, std::shared_ptr<const Profile>> by_name;
  // The compiled output-filter rules of each profile (same keys).
  std::map<std::string, std::shared_ptr<const RuleSet>> rules_by_name;
};

struct ProfileSetLoad {
  std::shared_ptr<const ProfileSet> set;  // null when errors is non-empty
  std::vector<std::string> errors;
};

// Loads every *.json in the directories; a name found in an earlier
// directory wins. Any invalid file (or output-filter rules file) fails the
// whole load.
ProfileSetLoad load_profile_set(const std::vector<std::string>& dirs);

}  // namespace cordon::daemon
