// The warm pool: for each hot profile, a few sandboxes built ahead of demand
// (see warm sandboxes in cordon/sandbox.h), so a call only hands over its
// argv, env and stdin, installs seccomp and execs.
//
// Sandboxes are grouped by shape (warm_key: profile content, workspace,
// ids, limits, ...). A shape is learnt from demand: the first call of a
// shape runs cold and asks for `size` sandboxes of that shape; a refill
// thread builds them off the request path, one at a time, and tops the
// shape up again after every take. Each sandbox serves one call and is
// never reused. Bounded: at most `max_total` parked sandboxes overall and
// `max_shapes_per_profile` shapes per profile (least recently used shapes
// are dropped); a shape unused for `idle` is emptied. Parked children die
// with the pool (and with the process: PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cordon/sandbox.h"

namespace cordon {

struct WarmPoolConfig {
  std::map<std::string, unsigned> sizes;  // profile name -> sandboxes kept ready per shape
  unsigned max_total = 16;                // parked sandboxes, all shapes together
  unsigned max_shapes_per_profile = 4;
  std::chrono::milliseconds idle{std::chrono::minutes(5)};
  int build_timeout_ms = 10'000;
  // Optional: how many calls are running now. Building a sandbox takes
  // CPU and kernel locks (mounts, cgroups) a running call also needs, so
  // with a probe the refill thread builds only while it returns 0 (on a
  // busy host the pool then drains and calls simply run cold).
  std::function<unsigned()> running_calls;
  // Optional: builds sandboxes through this spawner (cordon/spawner.h).
  std::shared_ptr<Spawner> spawner;
};

struct WarmPoolStats {
  std::uint64_t hits = 0;            // calls served warm
  std::uint64_t misses = 0;          // pooled profile, no sandbox ready
  std::uint64_t built = 0;           // sandboxes built
  std::uint64_t build_failures = 0;
  std::uint64_t discarded = 0;       // dropped unused (dead, evicted, idle, cleared)
  unsigned ready = 0;                // parked now
  unsigned shapes = 0;
  std::string last_error;            // of the last failed build
};

class WarmPool {
 public:
  // Makes a plan of the same shape (argv and env do not matter); used by
  // the refill thread. May return null (the shape is then dropped).
  using PlanFactory = std::function<PlanPtr()>;

  explicit WarmPool(WarmPoolConfig cfg);
  ~WarmPool();  // stops the refill thread; every parked sandbox is killed
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  // Whether calls of this profile are pooled.
  bool pooled(const std::string& profile) const;
  // For a call about to run `plan`: a parked sandbox of its shape, or null.
  // Records demand for the shape (with `factory` for refills) either way.
  WarmPtr take(const SpawnPlan& plan, const PlanFactory& factory);
  // Drops every sandbox and shape (e.g. the profiles were reloaded).
  void clear();
  WarmPoolStats stats() const;
  const WarmPoolConfig& config() const { return cfg_; }

 private:
  struct Shape {
    std::string profile;
    unsigned size = 0;
    PlanFactory factory;
    std::vector<WarmPtr> ready;
    std::chrono::steady_clock::time_point last_used;
    unsigned building = 0;
  };
  void refill_loop();
  unsigned total_locked() const;
  void evict_locked(std::vector<WarmPtr>& graveyard);

  const WarmPoolConfig cfg_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Shape> shapes_;  // by warm_key
  std::uint64_t generation_ = 0;         // bumped by clear()
  bool stopping_ = false;
  WarmPoolStats stats_;
  std::thread refill_;
};

}  // namespace cordon
