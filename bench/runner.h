// Runs every measurement of the benchmark, in this order: start a cordond;
// idle snapshot; warm-up (every worker runs once); sequential latency in
// interleaved rounds; throughput at each concurrency, variants interleaved;
// more daemon calls up to Options::calls; snapshot; containment runs; final
// snapshot and leftover cgroups; stop the daemon.
//
// Variants: the floor (fork+exec /bin/true), bwrap, `cordon run` one-shot,
// daemon calls cold (tool "bench"), daemon calls through a warm pool (tool
// "bench-warm", only when the profile directory has bench-warm.json), and
// python3 -c pass as floor, under bwrap and through the daemon.
#pragma once

#include <optional>
#include <string>

#include "measurements.h"

namespace cordon::bench {

inline constexpr const char* kBenchTool = "bench";
inline constexpr const char* kWarmTool = "bench-warm";
inline constexpr const char* kTrue = "/bin/true";
// A tool printing 64 KiB of realistic output (a build log: paths, sizes and
// timings, a URL every 20 lines, an e-mail address every 100): the output
// filter's share of a call.
inline constexpr const char* kPrint64k =
    "import sys\n"
    "def line(i):\n"
    "    s = '[%4d/1400] CXX src/module_%04d.cpp -> obj/module_%04d.o (%d bytes, %d ms)' % (i, i, i, 4096 + i * 7, i % 97)\n"
    "    if i % 20 == 0: s += ' log https://ci.example.com/job/%d/console' % i\n"
    "    if i % 100 == 0: s += ' owner build-team@example.com'\n"
    "    return s + '\\n'\n"
    "sys.stdout.write(''.join(line(i) for i in range(1400))[:65536])\n";

// nullopt (and `err`) only when nothing could be measured (a command could
// not be prepared, the daemon did not start). Failures of single
// measurements are listed in Measurements::errors.
std::optional<Measurements> measure(const Options& o, std::string& err);

}  // namespace cordon::bench
