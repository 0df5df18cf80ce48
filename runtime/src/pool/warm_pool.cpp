// WarmPool: shapes learnt from demand, topped up by one refill thread
// (cordon/warm_pool.h).
#include "cordon/warm_pool.h"

#include <algorithm>

#include "cordon/profile.h"
#include "sandbox/plan_internal.h"
#include "sandbox/warm.h"

namespace cordon {

WarmPool::WarmPool(WarmPoolConfig cfg) : cfg_(std::move(cfg)) {
  refill_ = std::thread([this] { refill_loop(); });
}

WarmPool::~WarmPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  refill_.join();
  std::map<std::string, Shape> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    gone.swap(shapes_);
  }
  // ~WarmSandbox kills and reaps each parked child.
}

bool WarmPool::pooled(const std::string& profile) const {
  auto it = cfg_.sizes.find(profile);
  return it != cfg_.sizes.end() && it->second > 0;
}

unsigned WarmPool::total_locked() const {
  unsigned n = 0;
  for (const auto& [k, s] : shapes_) n += static_cast<unsigned>(s.ready.size()) + s.building;
  return n;
}

// Drops idle shapes, and the least recently used shapes of a profile beyond
// max_shapes_per_profile. Sandboxes go to `graveyard` (killed unlocked).
void WarmPool::evict_locked(std::vector<WarmPtr>& graveyard) {
  const auto now = std::chrono::steady_clock::now();
  std::map<std::string, std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>>> by_profile;
  for (auto it = shapes_.begin(); it != shapes_.end();) {
    if (now - it->second.last_used > cfg_.idle && it->second.building == 0) {
      for (auto& w : it->second.ready) graveyard.push_back(std::move(w));
      it = shapes_.erase(it);
      continue;
    }
    by_profile[it->second.profile].emplace_back(it->second.last_used, it->first);
    ++it;
  }
  for (auto& [profile, list] : by_profile) {
    if (list.size() <= cfg_.max_shapes_per_profile) continue;
    std::sort(list.begin(), list.end());
    for (std::size_t i = 0; i + cfg_.max_shapes_per_profile < list.size(); ++i) {
      auto it = shapes_.find(list[i].second);
      if (it == shapes_.end() || it->second.building != 0) continue;
      for (auto& w : it->second.ready) graveyard.push_back(std::move(w));
      shapes_.erase(it);
    }
  }
  stats_.discarded += graveyard.size();
}

WarmPtr WarmPool::take(const SpawnPlan& plan, const PlanFactory& factory) {
  const std::string& profile = plan.profile->name;
  if (!pooled(profile)) return nullptr;
  const std::string key = warm_key(plan);
  if (key.empty()) return nullptr;
  WarmPtr got;
  std::vector<WarmPtr> graveyard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Shape& s = shapes_[key];
    if (s.profile.empty()) {
      s.profile = profile;
      s.size = cfg_.sizes.at(profile);
      s.factory = factory;
    }
    s.last_used = std::chrono::steady_clock::now();
    while (!s.ready.empty() && !got) {
      WarmPtr w = std::move(s.ready.front());
      s.ready.erase(s.ready.begin());
      if (warm_usable(*w)) {
        got = std::move(w);
      } else {
        graveyard.push_back(std::move(w));
        ++stats_.discarded;
      }
    }
    if (got) ++stats_.hits;
    else ++stats_.misses;
    evict_locked(graveyard);
  }
  cv_.notify_all();
  return got;
}

void WarmPool::clear() {
  std::map<std::string, Shape> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    for (auto& [k, s] : shapes_) stats_.discarded += s.ready.size();
    gone.swap(shapes_);
  }
}

WarmPoolStats WarmPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  WarmPoolStats st = stats_;
  st.shapes = static_cast<unsigned>(shapes_.size());
  st.ready = 0;
  for (const auto& [k, s] : shapes_) st.ready += static_cast<unsigned>(s.ready.size());
  return st;
}

void WarmPool::refill_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // The shape most in need (fewest ready, relative to its size).
    std::string pick;
    auto need = [&] {
      pick.clear();
      if (stopping_ || total_locked() >= cfg_.max_total) return false;
      unsigned best = ~0u;
      for (const auto& [k, s] : shapes_) {
        unsigned have = static_cast<unsigned>(s.ready.size()) + s.building;
        if (have < s.size && have < best) {
          best = have;
          pick = k;
        }
      }
      return !pick.empty();
    };
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || need(); });
    if (stopping_) return;
    if (!pick.empty() && cfg_.running_calls) {
      lock.unlock();
      const bool busy = cfg_.running_calls() > 0;
      lock.lock();
      if (busy) {
        cv_.wait_for(lock, std::chrono::milliseconds(2), [&] { return stopping_; });
        continue;
      }
      if (stopping_ || !need()) continue;
    }
    if (pick.empty()) {
      std::vector<WarmPtr> graveyard;
      evict_locked(graveyard);
      lock.unlock();
      graveyard.clear();
      lock.lock();
      continue;
    }
    Shape& s = shapes_.at(pick);
    ++s.building;
    PlanFactory factory = s.factory;
    const std::uint64_t gen = generation_;
    lock.unlock();

    WarmOutcome built;
    std::string plan_error;
    if (PlanPtr plan = factory ? factory() : nullptr) {
      if (warm_key(*plan) != pick) plan_error = "the shape's plan changed (profile reloaded?)";
      else built = prepare_warm(*plan, cfg_.build_timeout_ms, cfg_.spawner.get());
    } else {
      plan_error = "no plan for the shape";
    }

    lock.lock();
    auto it = shapes_.find(pick);
    if (generation_ == gen && it != shapes_.end()) --it->second.building;
    if (built.sandbox && generation_ == gen && it != shapes_.end()) {
      it->second.ready.push_back(std::move(built.sandbox));
      ++stats_.built;
    } else {
      if (!built.sandbox) {
        ++stats_.build_failures;
        stats_.last_error = plan_error.empty() ? built.error : plan_error;
        // A shape that cannot be built is dropped (its next call runs cold
        // and asks again), so a broken shape does not spin.
        if (generation_ == gen && it != shapes_.end() && it->second.building == 0) {
          for (auto& w : it->second.ready) stats_.discarded += w ? 1 : 0;
          shapes_.erase(it);
        }
      } else {
        ++stats_.discarded;
      }
      lock.unlock();
      built.sandbox.reset();  // kill outside the lock
      lock.lock();
    }
  }
}

}  // namespace cordon
