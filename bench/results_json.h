// Everything one run measured, as JSON (`cordon_bench --json FILE`):
// machine, settings, the exact commands, per-variant latency summaries,
// throughput, daemon snapshots, containment samples, the cold-path
// breakdown, the table rows and any errors.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measurements.h"
#include "report.h"

namespace cordon::bench {

nlohmann::json results_json(const Options& o, const Measurements& m, const std::vector<Row>& rows,
                            const std::string& command_line);

}  // namespace cordon::bench
