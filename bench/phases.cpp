#include "phases.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>

namespace cordon::bench {

using Clock = std::chrono::steady_clock;

namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

void run_rounds(const std::vector<Variant*>& variants, unsigned warmup, unsigned rounds) {
  const std::size_t n = variants.size();
  for (unsigned r = 0; r < warmup + rounds; ++r) {
    for (std::size_t k = 0; k < n; ++k) {
      Variant& v = *variants[(r + k) % n];
      auto t0 = Clock::now();
      std::string err = v.once();
      auto t1 = Clock::now();
      if (!err.empty()) {
        if (v.errors++ == 0) v.first_error = err;
      } else if (r >= warmup) {
        v.ms.push_back(ms_between(t0, t1));
      }
    }
  }
}

void Rate::add(const Rate& o) {
  calls += o.calls;
  errors += o.errors;
  seconds += o.seconds;
  if (first_error.empty()) first_error = o.first_error;
}

Rate run_workers(const WorkerFactory& make, unsigned workers, double seconds, std::size_t max_calls) {
  Rate rate;
  if (workers == 0 || (seconds <= 0 && max_calls == 0)) {
    rate.errors = 1;
    rate.first_error = "run_workers: needs workers and a time or call limit";
    return rate;
  }
  std::vector<CallFn> fns;
  for (unsigned i = 0; i < workers; ++i) {
    std::string err;
    auto fn = make(err);
    if (!fn) {
      rate.errors = 1;
      rate.first_error = "worker setup: " + err;
      return rate;
    }
    fns.push_back(std::move(*fn));
  }
  std::atomic<std::size_t> started{0}, done{0}, errors{0};
  std::mutex mu;
  std::string first_error;
  std::latch go(static_cast<std::ptrdiff_t>(workers) + 1);
  Clock::time_point start, deadline;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < workers; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      for (;;) {
        if (seconds > 0 && Clock::now() >= deadline) break;
        if (max_calls > 0 && started.fetch_add(1) >= max_calls) break;
        std::string err = fns[i]();
        if (err.empty()) {
          done.fetch_add(1);
        } else {
          errors.fetch_add(1);
          std::lock_guard lock(mu);
          if (first_error.empty()) first_error = err;
        }
      }
    });
  }
  start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds > 0 ? seconds : 0));
  go.arrive_and_wait();
  for (auto& t : threads) t.join();
  rate.seconds = ms_between(start, Clock::now()) / 1000.0;
  rate.calls = done.load();
  rate.errors = errors.load();
  rate.first_error = first_error;
  return rate;
}

}  // namespace cordon::bench
