// Where a daemon call's time goes, from the results it returns: the
// sandbox's own timings (wall_ms, setup_us, each setup step), accumulated
// over many calls.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats.h"

namespace cordon::bench {

class Breakdown {
 public:
  // Adds one call's result object (as in the `run` response).
  void add(const nlohmann::json& result);

  std::size_t calls() const { return calls_; }
  // Steps by mean duration, longest first, in microseconds.
  std::vector<std::pair<std::string, Summary>> steps_by_cost() const;
  Summary wall_ms() const { return summarize(wall_ms_); }
  Summary setup_us() const { return summarize(setup_us_); }
  Summary filter_us() const { return summarize(filter_us_); }

  nlohmann::json to_json() const;

 private:
  std::size_t calls_ = 0;
  std::map<std::string, std::vector<double>> step_us_;
  std::vector<double> wall_ms_;
  std::vector<double> setup_us_;
  std::vector<double> filter_us_;  // only when results carry filter.filter_us
};

}  // namespace cordon::bench
