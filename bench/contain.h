// Time to contain a process tree through the daemon: a call builds a tree of
// `tree_size` sleeping processes (counted on the host); the `kill` op is sent on a
// second connection and timed until its response (which the daemon sends
// once the whole tree is gone). The host is checked before (the tree exists)
// and after (nothing of it is left).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cordon::bench {

struct ContainSample {
  double build_ms = 0;           // run sent -> whole tree seen (not part of the figure)
  double kill_rtt_ms = 0;        // kill sent -> kill response received (client view)
  double daemon_contain_ms = 0;  // the kill response's contain_ms
  double result_contain_ms = 0;  // the killed call's result time.contain_us / 1000
  std::size_t procs_before = 0;  // tree processes seen on the host before the kill
  std::size_t procs_after = 0;   // ... and right after the kill response
};

struct ContainRun {
  std::vector<ContainSample> samples;
  std::size_t errors = 0;
  std::string first_error;
};

// `reps` repetitions with the profile `tool` (which must allow /bin/sh and
// /usr/bin/sleep through /usr, and pids > tree_size + 2).
ContainRun measure_contain(const std::string& socket, const std::string& tool, unsigned tree_size, unsigned reps);

// The kernel's floor for the same figure: the same tree under /bin/sh as
// init of a plain new pid namespace (no cordon), killed with one SIGKILL to
// that init and timed until waitpid() returns (the kernel reaps the whole
// namespace before its init is reaped). Samples carry kill_rtt_ms only.
ContainRun measure_contain_floor(unsigned tree_size, unsigned reps);

}  // namespace cordon::bench
