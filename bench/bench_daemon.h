// A cordond of the benchmark's own: a temporary directory holding its
// config, policy (the bench's uid is both tenant "bench", allowed every
// tool, and admin), workspace root and socket; profiles from `profile_dir`.
// Started on construction through start(); SIGTERM and the directory removed
// on destruction.
#pragma once

#include <sys/types.h>

#include <optional>
#include <map>
#include <string>

namespace cordon::bench {

struct DaemonSetup {
  std::string cordond;         // path to the cordond binary
  std::string profile_dir;     // directory of *.json profiles
  unsigned max_running = 32;   // worker threads (global running cap)
  unsigned max_queued = 128;
  unsigned max_connections = 256;
  // Profiles served by cordond's warm pool, with the sandboxes kept ready
  // per shape ("warm_pool" in cordond.json); empty: no pool.
  std::map<std::string, unsigned> warm_pool;
};

class BenchDaemon {
 public:
  // Writes the files, starts cordond and waits (up to 10 s) until its socket
  // accepts a connection. nullopt and `err` (with the log's tail) on failure.
  static std::optional<BenchDaemon> start(const DaemonSetup& setup, std::string& err);
  ~BenchDaemon();
  BenchDaemon(BenchDaemon&& o) noexcept;
  BenchDaemon& operator=(BenchDaemon&& o) noexcept;
  BenchDaemon(const BenchDaemon&) = delete;
  BenchDaemon& operator=(const BenchDaemon&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }
  const std::string& config_path() const { return config_; }
  // The last `bytes` of the daemon's log.
  std::string log_tail(std::size_t bytes = 2000) const;
  // SIGTERM, then SIGKILL after 10 s. "" when it exited 0.
  std::string stop();

 private:
  BenchDaemon() = default;
  void release();  // stop the daemon and remove the directory

  std::string dir_;
  std::string socket_;
  std::string config_;
  pid_t pid_ = -1;
};

}  // namespace cordon::bench
