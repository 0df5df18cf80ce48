// Turns one run's measurements into the table rows (with ratios to the
// floor and to bwrap from the same run, and the issue #8 targets), and
// prints the cold-path breakdown that goes under the table.
#pragma once

#include <ostream>
#include <vector>

#include "measurements.h"
#include "report.h"

namespace cordon::bench {

std::vector<Row> make_rows(const Options& o, const Measurements& m);

// Where a cold daemon call's time goes, from the results' own timings.
void print_breakdown(std::ostream& out, const Measurements& m);

}  // namespace cordon::bench
