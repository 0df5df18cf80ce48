// What a running process holds, read from /proc: resident memory, open
// fds, mounts it sees, threads; and the per-call cgroups a cordond left.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cordon/host.h"

namespace cordon::bench {

struct ProcSnapshot {
  std::uint64_t rss_kib = 0;   // VmRSS
  std::size_t fds = 0;         // entries in /proc/PID/fd
  std::size_t mounts = 0;      // lines in /proc/PID/mountinfo
  std::size_t threads = 0;     // Threads
  std::vector<std::string> fd_targets;  // "N -> target" for each open fd
};

// Entries of `later` whose fd number or target `earlier` does not have.
std::vector<std::string> new_fds(const ProcSnapshot& earlier, const ProcSnapshot& later);

// The whole content of a small file (e.g. under /proc); nullopt when it cannot be
// opened or read, e.g. because the process it describes has exited.
std::optional<std::string> read_small_file(const std::string& path);

// nullopt (and `err`) when the process is gone or /proc is unreadable.
std::optional<ProcSnapshot> snapshot(pid_t pid, std::string& err);

// Per-call cgroup directories that belong to daemon `pid` (their names start
// with "PID-"), summed over every hierarchy the layout uses.
std::size_t count_call_cgroups(const CgroupLayout& layout, pid_t pid);

}  // namespace cordon::bench
