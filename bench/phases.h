// The two ways the benchmark drives a variant: sequential latency in
// interleaved rounds, and throughput with N workers for a fixed time (or a
// fixed number of calls).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cordon::bench {

// One call of a variant: "" when it succeeded, otherwise what went wrong.
using CallFn = std::function<std::string()>;
// The call function one worker uses (e.g. bound to its own connection).
using WorkerFactory = std::function<std::optional<CallFn>(std::string& err)>;

struct Variant {
  std::string key;    // stable name used in the JSON ("floor", "daemon_cold", ...)
  std::string label;  // what the table shows
  CallFn once;
  std::vector<double> ms;  // one latency sample per measured round
  std::size_t errors = 0;
  std::string first_error;
};

// Runs `warmup` unmeasured rounds, then `rounds` measured ones. In each round
// every variant runs once, one after another; the starting variant rotates
// from round to round so that no variant always follows the same one.
// A failed call is counted in `errors` and gives no sample.
void run_rounds(const std::vector<Variant*>& variants, unsigned warmup, unsigned rounds);

struct Rate {
  std::size_t calls = 0;   // calls that succeeded
  std::size_t errors = 0;
  double seconds = 0;      // from the start to the last worker's last call
  std::string first_error;
  double per_s() const { return seconds > 0 ? static_cast<double>(calls) / seconds : 0; }
  void add(const Rate& o);
};

// `workers` threads, each with its own call function from `make`, call in a
// loop. A worker starts no new call once `seconds` have passed (seconds <= 0:
// no time limit) or once `max_calls` calls have been started in all
// (0: no count limit). One of the two limits must be set.
Rate run_workers(const WorkerFactory& make, unsigned workers, double seconds, std::size_t max_calls);

}  // namespace cordon::bench
