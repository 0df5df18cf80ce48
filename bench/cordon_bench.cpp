// cordon_bench: sandbox start-up cost, measured in one run (issue #8).
//
// Measures, interleaved so that machine noise hits every variant alike:
// plain fork+exec of /bin/true (the floor), bwrap with comparable isolation,
// `cordon run` one-shot, and `run` calls through a cordond of its own
// (sequential latency; throughput at several concurrencies); the daemon's
// RSS, fds, mounts and per-call cgroups idle and after many calls; the time
// to contain a 1,000-process tree; and `python3 -c pass` as a realistic tool
// start (see runner.h). Prints a table with each figure's ratio to the floor
// and to bwrap from the same run and the targets; `--json FILE`
// writes everything. Two kernel-floor rows run bench/ns_floor.c, the same
// namespaces, root and seccomp filter in straight-line C (with and without
// joining cgroups), to show what this machine's kernel alone costs.
//
// It reports; it does not judge. Exit status: 0 when every measurement
// completed, 1 when one failed (an erroring call, a daemon that did not
// start; the table still shows the rest), 2 for bad arguments.
//
// The warm-pool variant is measured when the profile directory holds
// `bench-warm.json` (the same sandbox as bench.json): cordond is started with
// that profile in its warm_pool (--pool-size sandboxes kept ready).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "results_json.h"
#include "rows.h"
#include "runner.h"

#ifndef CORDON_BENCH_CORDON
#define CORDON_BENCH_CORDON ""
#endif
#ifndef CORDON_BENCH_CORDOND
#define CORDON_BENCH_CORDOND ""
#endif
#ifndef CORDON_BENCH_PROFILES
#define CORDON_BENCH_PROFILES ""
#endif

namespace {

using cordon::bench::Measurements;
using cordon::bench::Options;

void print_report(std::ostream& out, const Options& o, const Measurements& m,
                  const std::vector<cordon::bench::Row>& rows) {
  out << "cordon_bench" << (o.quick ? " --quick (too few samples for real figures)" : "") << " on " << m.cpu_model
      << ", " << m.cpus << " CPUs, Linux " << m.kernel << ", cgroup v" << m.cgroup_version << "\n"
      << "load average at start: " << m.load_start << "\n\n";
  cordon::bench::print_table(out, rows);
  cordon::bench::print_breakdown(out, m);
  auto cmd = [&](const char* key) {
    auto it = m.commands.find(key);
    return it == m.commands.end() ? std::string("?") : it->second;
  };
  out << "\nCommands (processes are started with fork + execve + waitpid, output to /dev/null):\n"
      << "  floor:       " << cmd("floor") << "\n"
      << "  two starts:  " << cmd("launch_floor") << "\n"
      << "  bwrap:       " << cmd("bwrap") << "\n"
      << "  cordon run:  " << cmd("cordon_run") << "\n"
      << "  daemon call: " << cmd("daemon_cold")
      << "\n               sequential: one connection, reused; throughput: one connection per worker\n"
      << "  python3:     " << cmd("py_floor") << ", under bwrap, and " << cmd("py_daemon") << "\n"
      << "  profile:     " << o.profile_dir << "/bench.json; cordond with max_running " << o.workers << "\n"
      << "load average at end: " << m.load_end << "\n";
  if (m.idle && m.end) {
    auto extra = cordon::bench::new_fds(*m.idle, *m.end);
    if (!extra.empty()) {
      out << "\ncordond fds open at the end that were not open when idle:\n";
      for (const auto& e : extra) out << "  " << e << "\n";
    }
  }
  if (!m.errors.empty()) {
    out << "\nErrors (the figures above leave these calls out):\n";
    for (const auto& e : m.errors) out << "  " << e << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cordon_bench: sandbox start-up, throughput, daemon footprint and containment (issue #8)"};
  Options o;
  o.cordon = CORDON_BENCH_CORDON;
  o.cordond = CORDON_BENCH_CORDOND;
  o.ns_floor = CORDON_BENCH_NS_FLOOR;
  o.profile_dir = CORDON_BENCH_PROFILES;
  app.add_flag("--quick", o.quick, "A few iterations of everything (smoke test; the figures mean nothing)");
  app.add_option("--json", o.json_path, "Also write every figure to this file");
  app.add_option("--rounds", o.rounds, "Measured latency rounds (default 400; --quick 5)");
  app.add_option("--warmup", o.warmup, "Unmeasured latency rounds first (default 20; --quick 1)");
  app.add_option("--pool-size", o.pool_size, "Warm sandboxes cordond keeps ready for bench-warm")->capture_default_str();
  app.add_option("--window", o.window_s, "Seconds per throughput measurement (default 1.5; --quick 0.2)");
  app.add_option("--tp-rounds", o.tp_rounds, "Throughput measurements per figure (default 3; --quick 1)");
  app.add_option("--concurrency", o.concurrency, "Worker counts for throughput (default 1,2,8,32)")->delimiter(',');
  app.add_option("--calls", o.calls, "Daemon calls before the 'after' RSS snapshot (default 10000; --quick 200)");
  app.add_option("--tree-size", o.tree_size, "Processes in the containment tree (default 1000; --quick 100)");
  app.add_option("--tree-reps", o.tree_reps, "Containment repetitions (default 20; --quick 2)");
  app.add_option("--workers", o.workers, "cordond max_running, its worker threads (default 32)");
  app.add_option("--cordon", o.cordon, "cordon binary")->capture_default_str();
  app.add_option("--cordond", o.cordond, "cordond binary")->capture_default_str();
  app.add_option("--ns-floor", o.ns_floor, "cordon-ns-floor binary (the kernel floor rows)")->capture_default_str();
  app.add_option("--profile-dir", o.profile_dir, "Directory with bench.json (and bench-warm.json)")->capture_default_str();
  app.add_option("--bwrap", o.bwrap, "bwrap binary")->capture_default_str();
  app.add_option("--python", o.python, "python3 binary")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    if (!app.count("--rounds")) o.rounds = 5;
    if (!app.count("--warmup")) o.warmup = 1;
    if (!app.count("--window")) o.window_s = 0.2;
    if (!app.count("--tp-rounds")) o.tp_rounds = 1;
    if (!app.count("--calls")) o.calls = 200;
    if (!app.count("--tree-size")) o.tree_size = 100;
    if (!app.count("--tree-reps")) o.tree_reps = 2;
  }
  if (o.rounds == 0 || o.tp_rounds == 0 || o.window_s <= 0 || o.concurrency.empty() || o.workers == 0 ||
      o.tree_size == 0) {
    std::cerr << "cordon_bench: --rounds, --tp-rounds, --window, --concurrency, --workers and --tree-size must be > 0\n";
    return 2;
  }
  for (unsigned c : o.concurrency)
    if (c == 0) {
      std::cerr << "cordon_bench: --concurrency values must be > 0\n";
      return 2;
    }
  for (const auto* p : {&o.cordon, &o.cordond, &o.ns_floor, &o.bwrap, &o.python})
    if (p->empty() || access(p->c_str(), X_OK) != 0) {
      std::cerr << "cordon_bench: not an executable: '" << *p << "'\n";
      return 2;
    }
  if (!std::filesystem::exists(o.profile_dir + "/bench.json")) {
    std::cerr << "cordon_bench: no bench.json in '" << o.profile_dir << "'\n";
    return 2;
  }

  std::string err;
  auto m = cordon::bench::measure(o, err);
  if (!m) {
    std::cerr << "cordon_bench: " << err << "\n";
    return 1;
  }
  auto rows = cordon::bench::make_rows(o, *m);
  print_report(std::cout, o, *m, rows);
  if (!o.json_path.empty()) {
    std::string command_line;
    for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
    std::ofstream out(o.json_path);
    out << cordon::bench::results_json(o, *m, rows, command_line).dump(2) << "\n";
    out.close();
    if (!out) {
      std::cerr << "cordon_bench: cannot write " << o.json_path << "\n";
      return 1;
    }
    std::cout << "\nwrote " << o.json_path << "\n";
  }
  return m->errors.empty() ? 0 : 1;
}
