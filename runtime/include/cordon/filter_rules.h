// The compiled output-filter rules a profile uses: the shipped rules plus
// the profile's own `output.rules` files, compiled once and shared.
//
// One cache per process that runs calls (`cordon run` keeps one for its one
// call, cordond one for its lifetime and clears it on reload). Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cordon/filter.h"
#include "cordon/profile.h"

namespace cordon {

class FilterRulesCache {
 public:
  struct Lookup {
    std::shared_ptr<const RuleSet> rules;  // null when error is set
    std::string error;                     // every problem, one per line
  };

  // The rules for `profile` (compiling them the first time they are needed).
  Lookup for_profile(const Profile& profile);
  // Forget everything (the next lookup reads the files again).
  void clear();

 private:
  std::mutex mu_;
  std::map<std::vector<std::string>, std::shared_ptr<const RuleSet>> sets_;
};

}  // namespace cordon
