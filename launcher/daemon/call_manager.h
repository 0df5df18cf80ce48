// Runs accepted calls on a fixed pool of worker threads (the global cap),
// with a bounded queue that is fair between tenants (round-robin) and a
// per-tenant cap on running and queued calls. Keeps the registry that
// `ps` and `kill` read. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cordon/result.h"
#include "cordon/sandbox.h"
#include "cordon/spawner.h"
#include "daemon/policy.h"

namespace cordon::daemon {

struct CallSpec {
  std::string call_id;
  std::string tenant;
  unsigned tenant_max_running = 1;
  unsigned tenant_max_queued = 0;
  Peer peer;
  std::string tool;
  std::vector<std::string> argv;
  PlanPtr plan;
  // Called on a worker thread.
  std::function<void()> on_started;
  std::function<void(int stream, std::string_view chunk)> on_output;
  std::function<void(Result)> on_done;  // exactly once
  // Optional: a warm sandbox for the plan (taken on the worker, just
  // before the call runs); null means a cold start.
  std::function<WarmPtr(const SpawnPlan&)> acquire_warm;
};

struct CallView {
  std::string call_id;
  std::string tenant;
  uid_t uid = 0;
  pid_t pid = 0;
  std::string tool;
  std::vector<std::string> argv;
  std::string state;  // "queued" or "running"
  std::uint64_t age_ms = 0;
};

class CallManager {
 public:
  // `spawner` (may be null) makes every call's clone (cordon/spawner.h).
  CallManager(unsigned workers, unsigned max_queued, std::shared_ptr<Spawner> spawner = nullptr);
  ~CallManager();
  CallManager(const CallManager&) = delete;
  CallManager& operator=(const CallManager&) = delete;

  enum class Submit { Ok, Busy, ShuttingDown };
  Submit submit(CallSpec spec, std::string& why);

  std::vector<CallView> list() const;
  // Stops matching calls: running ones are killed (their on_done reports
  // outcome killed once the tree is gone); queued ones complete at once.
  std::vector<std::string> kill(const std::function<bool(const CallView&)>& match);
  void stop_accepting();
  std::size_t running() const;
  std::size_t queued() const;
  // Stops the workers once nothing is queued or running.
  void join();

 private:
  struct Entry {
    CallSpec spec;
    std::uint64_t submitted_ns = 0;
    int cancel_fd = -1;  // eventfd
    bool running = false;
  };
  void worker();
  bool pick(std::string& call_id);  // under lock
  CallView view(const Entry& e, std::uint64_t now) const;

  std::shared_ptr<Spawner> spawner_;
  mutable std::mutex mu_;
  // Workers wait on work_cv_, one woken per submitted call (a worker that
  // finishes a call looks for the next one itself); join() waits on
  // idle_cv_. One shared variable woken with notify_all woke every idle
  // worker for each call (31 context switches per call with 32 workers).
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  const unsigned max_queued_;
  std::map<std::string, Entry> calls_;                     // queued and running
  std::map<std::string, std::deque<std::string>> queues_;  // tenant -> queued call ids
  std::deque<std::string> rotation_;                       // tenants, round-robin
  std::map<std::string, unsigned> tenant_running_;
  std::size_t queued_ = 0;
  bool accepting_ = true;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace cordon::daemon
