#include "cordon/filter_rules.h"

namespace cordon {

FilterRulesCache::Lookup FilterRulesCache::for_profile(const Profile& profile) {
  const std::vector<std::string>& extra = profile.output.rules;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = sets_.find(extra); it != sets_.end()) return {it->second, ""};
  Lookup out;
  try {
    if (extra.empty()) {
      out.rules = RuleSet::load_default();
    } else {
      std::vector<std::string> files{RuleSet::default_rules_path()};
      files.insert(files.end(), extra.begin(), extra.end());
      out.rules = RuleSet::load_files(files);
    }
  } catch (const RuleError& e) {
    for (const auto& p : e.problems()) out.error += (out.error.empty() ? "" : "\n") + p;
    return out;
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  sets_[extra] = out.rules;
  return out;
}

void FilterRulesCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  sets_.clear();
}

}  // namespace cordon
