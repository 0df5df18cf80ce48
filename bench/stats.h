// Latency samples -> summary figures (nearest-rank percentiles).
#pragma once

#include <cstddef>
#include <vector>

namespace cordon::bench {

struct Summary {
  std::size_t n = 0;  // 0: no samples; every other field is then 0
  double p50 = 0;
  double p99 = 0;
  double mean = 0;
  double min = 0;
  double max = 0;
};

// Nearest-rank percentile `p` (0 < p <= 100) of sorted, non-empty `v`.
double percentile(const std::vector<double>& sorted, double p);

Summary summarize(std::vector<double> samples);

}  // namespace cordon::bench
