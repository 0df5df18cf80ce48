// What the benchmark is asked to do (Options) and everything one run
// measured (Measurements): the value the runner fills in and the table and
// JSON are made from.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "breakdown.h"
#include "contain.h"
#include "phases.h"
#include "proc_probe.h"

namespace cordon::bench {

struct Options {
  bool quick = false;
  std::string json_path;
  unsigned rounds = 400;        // measured latency rounds
  unsigned warmup = 20;         // unmeasured rounds first
  unsigned pool_size = 4;       // cordond warm_pool size for bench-warm
  double window_s = 1.5;        // seconds per throughput measurement
  unsigned tp_rounds = 3;       // throughput measurements per figure
  std::vector<unsigned> concurrency = {1, 2, 8, 32};
  std::size_t calls = 10'000;   // daemon calls before the "after" snapshot
  unsigned tree_size = 1000;
  unsigned tree_reps = 20;
  unsigned workers = 32;        // cordond max_running
  std::string cordon;
  std::string cordond;
  std::string ns_floor;         // bench/ns_floor.c: the kernel's own cost of a sandbox start
  std::string profile_dir;      // holds bench.json (and bench-warm.json)
  std::string bwrap = "/usr/bin/bwrap";
  std::string python = "/usr/bin/python3";
};

// Throughput of one variant at one concurrency, summed over the rounds.
struct TpEntry {
  std::string key;
  unsigned workers = 0;
  Rate rate;
};

struct Measurements {
  // Where and how it ran.
  std::string cpu_model;
  std::string kernel;
  unsigned cpus = 0;
  int cgroup_version = 0;
  int landlock_abi = 0;
  std::string load_start, load_end;  // /proc/loadavg
  bool warm_pool = false;            // was the warm-pool variant measured
  std::map<std::string, std::string> commands;  // variant key -> what it runs

  std::vector<Variant> latency;      // "floor", "bwrap", "cordon_run", "daemon_cold", ...
  Breakdown breakdown;               // results of the daemon_cold calls
  Breakdown breakdown_64k;           // results of the daemon_64k calls (64 KiB of output)
  std::vector<TpEntry> throughput;

  // cordond: idle after start, after the warm-up, after `calls_at_after`
  // calls, and at the end (after the containment runs).
  std::optional<ProcSnapshot> idle, warm, after_calls, end;
  std::size_t warmup_calls = 0;      // calls (all workers at once) before `warm`
  std::size_t calls_at_after = 0;
  std::size_t cgroups_end = 0;

  ContainRun contain;
  ContainRun contain_floor;  // the same tree in a plain pid namespace, one SIGKILL (kernel floor)
  std::vector<std::string> errors;   // measurements that failed, with why

  const Variant* variant(const std::string& key) const {
    for (const auto& v : latency)
      if (v.key == key) return &v;
    return nullptr;
  }
  const Rate* rate(const std::string& key, unsigned workers) const {
    for (const auto& t : throughput)
      if (t.key == key && t.workers == workers) return &t.rate;
    return nullptr;
  }
};

}  // namespace cordon::bench
