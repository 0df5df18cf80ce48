#include "breakdown.h"

#include <algorithm>

namespace cordon::bench {

void Breakdown::add(const nlohmann::json& result) {
  if (!result.is_object()) return;
  ++calls_;
  if (auto t = result.find("time"); t != result.end() && t->is_object()) {
    wall_ms_.push_back(t->value("wall_ms", 0.0));
    setup_us_.push_back(t->value("setup_us", 0.0));
  }
  if (auto f = result.find("filter"); f != result.end() && f->is_object() && f->contains("filter_us"))
    filter_us_.push_back(f->value("filter_us", 0.0));
  if (auto steps = result.find("setup_steps"); steps != result.end() && steps->is_array())
    for (const auto& s : *steps)
      if (s.is_object()) step_us_[s.value("step", "?")].push_back(s.value("us", 0.0));
}

std::vector<std::pair<std::string, Summary>> Breakdown::steps_by_cost() const {
  std::vector<std::pair<std::string, Summary>> out;
  for (const auto& [name, v] : step_us_) out.emplace_back(name, summarize(v));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second.mean > b.second.mean; });
  return out;
}

nlohmann::json Breakdown::to_json() const {
  auto sj = [](const Summary& s) {
    return nlohmann::json{{"n", s.n}, {"p50", s.p50}, {"p99", s.p99}, {"mean", s.mean}};
  };
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& [name, s] : steps_by_cost()) {
    auto j = sj(s);
    j["step"] = name;
    steps.push_back(j);
  }
  nlohmann::json j = {{"calls", calls_}, {"wall_ms", sj(wall_ms())}, {"setup_us", sj(setup_us())}, {"steps_us", steps}};
  if (!filter_us_.empty()) j["filter_us"] = sj(filter_us());
  return j;
}

}  // namespace cordon::bench
