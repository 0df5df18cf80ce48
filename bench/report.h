// The benchmark's table: one row per figure with its value, its ratio to the
// floor and to bwrap from the same run, the target and whether it was
// met. Printed aligned, and as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon::bench {

struct Row {
  std::string section;             // rows are grouped under their section
  std::string figure;
  std::string value;               // formatted ("4.12 ms"), or "n/a (...)" / "failed: ..."
  std::optional<double> number;    // the value as a number, for JSON
  std::string unit;                // "ms", "calls/s", "KiB", "count"
  std::optional<double> x_floor;   // value / the floor's same figure
  std::optional<double> x_bwrap;   // value / bwrap's same figure
  std::string target;              // the target, "" if none
  std::optional<bool> met;         // nullopt: no target, or not measured
};

// "0.82 ms", "12.3 ms", "1234 calls/s", ...
std::string fmt_ms(double ms);
std::string fmt_rate(double per_s);
std::string fmt_mib(double kib);
std::string fmt_ratio(const std::optional<double>& r);

void print_table(std::ostream& out, const std::vector<Row>& rows);
nlohmann::json rows_json(const std::vector<Row>& rows);

}  // namespace cordon::bench
