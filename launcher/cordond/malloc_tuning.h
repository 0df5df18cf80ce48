// cordond's allocator settings, applied before anything else runs.
//
// glibc keeps a per-thread cache of freed chunks (tcache: up to 7 per size
// class, for chunks up to 1 KiB). cordond has one worker thread per
// allowed running call (32 by default), and each one's cache fills with
// the sizes its calls used; nothing flushes it but the thread's exit and
// malloc_trim() cannot return it. Measured: the daemon's anonymous memory
// grew by about 300 KiB over its first 3,000 calls and then stayed flat;
// with the cache off it did not grow, the idle footprint was about 1 MiB
// smaller, and 3,000 calls took the same time (a call's cost is its
// sandbox, not its allocations).
//
// The cache can only be configured through GLIBC_TUNABLES, which the
// dynamic loader reads when the process starts. So if the variable does not
// already set glibc.malloc.tcache_count, cordond adds
// glibc.malloc.tcache_count=0 to it and execs itself once more (same pid,
// same descriptors, so socket activation is unaffected; the process name,
// which the exec through /proc/self/exe sets to "exe", is set back to the
// program's own). An operator's own
// tcache_count setting is kept. Sandboxes never see the variable: a tool's
// environment is built from its profile alone.
#pragma once

#include <string>

namespace cordon::daemon {

// Returns only if no re-exec was needed or it failed; in the latter case
// `note` says why (cordond then runs with glibc's defaults).
void apply_malloc_tuning(char** argv, std::string& note);

}  // namespace cordon::daemon
