// The supervisor: one poll loop per call that reads the child's setup
// messages, the tool's stdout/stderr (capped), seccomp notifications
// (denials as data), the pidfd, the cancel fd and the deadlines, and
// decides the outcome (first cause wins).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <sys/types.h>

#include "cordon/result.h"
#include "cordon/sandbox.h"
#include "output/output_stage.h"
#include "sandbox/cgroup.h"
#include "sandbox/plan_internal.h"

namespace cordon {

struct Supervised {
  pid_t pid = -1;
  int pidfd = -1;
  int status_fd = -1;   // SEQPACKET from the child
  int stdout_fd = -1;   // read ends
  int stderr_fd = -1;
  int stdin_fd = -1;    // write end when feeding stdin data, else -1
  const std::string* stdin_data = nullptr;
  int cancel_fd = -1;
  const RunOptions* opts = nullptr;
  std::uint64_t t0_ns = 0;  // CLOCK_MONOTONIC at clone
  CallCgroup* cgroup = nullptr;
  OutputStage* output = nullptr;  // the output filter (required)
  // Free bytes on each watched filesystem when the call started.
  std::vector<std::pair<std::string, std::uint64_t>> disk_free_at_start;
};

// Free bytes (for unprivileged users) on the filesystem holding `path`.
std::uint64_t free_bytes(const std::string& path);

// Runs until the tool's whole tree is gone; fills `r` (which already holds
// the plan's controls). Closes every fd in `s`.
void supervise(const SpawnPlan& plan, Supervised& s, Result& r);

std::uint64_t monotonic_ns();

}  // namespace cordon
