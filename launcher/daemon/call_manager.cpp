#include "daemon/call_manager.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <string>

namespace cordon::daemon {
namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

Result killed_before_start(const CallSpec& s) {
  Result r;
  r.outcome = Outcome::Killed;
  r.detail = "stopped while queued";
  if (s.plan) {
    // The plan's profile identity is not public; the caller fills it in.
  }
  return r;
}

}  // namespace

CallManager::CallManager(unsigned workers, unsigned max_queued, std::shared_ptr<Spawner> spawner)
    : spawner_(std::move(spawner)), max_queued_(max_queued) {
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { worker(); });
}

CallManager::~CallManager() {
  kill([](const CallView&) { return true; });
  join();
}

CallManager::Submit CallManager::submit(CallSpec spec, std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!accepting_) {
    why = "the daemon is shutting down";
    return Submit::ShuttingDown;
  }
  auto& q = queues_[spec.tenant];
  unsigned running = tenant_running_[spec.tenant];
  // A call that can start now does not count against the queue bounds.
  std::size_t busy_workers = 0;
  for (const auto& [id, e] : calls_) busy_workers += e.running ? 1 : 0;
  bool starts_now = q.empty() && running < spec.tenant_max_running && busy_workers + queued_ < workers_.size();
  if (!starts_now) {
    if (queued_ >= max_queued_) {
      why = "the daemon's queue is full (" + std::to_string(max_queued_) + " calls waiting)";
      return Submit::Busy;
    }
    if (q.size() >= spec.tenant_max_queued) {
      why = "tenant '" + spec.tenant + "' already has " + std::to_string(q.size()) + " calls waiting";
      return Submit::Busy;
    }
  }
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    why = "eventfd failed";
    return Submit::Busy;
  }
  std::string id = spec.call_id;
  const std::string tenant = spec.tenant;
  Entry e{std::move(spec), now_ns(), efd, false};
  calls_.emplace(id, std::move(e));
  q.push_back(id);
  ++queued_;
  if (std::find(rotation_.begin(), rotation_.end(), tenant) == rotation_.end()) rotation_.push_back(tenant);
  work_cv_.notify_one();
  return Submit::Ok;
}

bool CallManager::pick(std::string& call_id) {
  for (std::size_t i = 0; i < rotation_.size(); ++i) {
    std::string tenant = rotation_.front();
    rotation_.pop_front();
    rotation_.push_back(tenant);
    auto& q = queues_[tenant];
    if (q.empty()) continue;
    const Entry& head = calls_.at(q.front());
    if (tenant_running_[tenant] >= head.spec.tenant_max_running) continue;
    call_id = q.front();
    q.pop_front();
    return true;
  }
  return false;
}

void CallManager::worker() {
  for (;;) {
    std::string id;
    CallSpec* spec = nullptr;
    int cancel_fd = -1;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || pick(id); });
      if (id.empty()) return;  // stopping and nothing picked
      Entry& e = calls_.at(id);
      e.running = true;
      --queued_;
      ++tenant_running_[e.spec.tenant];
      spec = &e.spec;
      cancel_fd = e.cancel_fd;
    }
    RunOptions opts;
    opts.cancel_fd = cancel_fd;
    opts.on_output = spec->on_output;
    opts.on_started = spec->on_started;
    opts.spawner = spawner_;
    Result r;
    try {  // an exception must not end the worker thread (std::terminate)
      WarmPtr warm = spec->acquire_warm ? spec->acquire_warm(*spec->plan) : WarmPtr{};
      r = run_plan(*spec->plan, opts, std::move(warm));
    } catch (const std::exception& e) {
      r = Result{};
      r.outcome = Outcome::SetupError;
      r.detail = std::string("internal failure in the daemon: ") + e.what();
    }
    std::function<void(Result)> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Entry& e = calls_.at(id);
      done = std::move(e.spec.on_done);
      --tenant_running_[e.spec.tenant];
      close(e.cancel_fd);
      calls_.erase(id);
      if (calls_.empty()) idle_cv_.notify_all();
    }
    if (done) done(std::move(r));
  }
}

CallView CallManager::view(const Entry& e, std::uint64_t now) const {
  return CallView{e.spec.call_id, e.spec.tenant, e.spec.peer.uid, e.spec.peer.pid, e.spec.tool, e.spec.argv,
                  e.running ? "running" : "queued", (now - e.submitted_ns) / 1'000'000};
}

std::vector<CallView> CallManager::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CallView> out;
  std::uint64_t now = now_ns();
  for (const auto& [id, e] : calls_) out.push_back(view(e, now));
  return out;
}

std::vector<std::string> CallManager::kill(const std::function<bool(const CallView&)>& match) {
  std::vector<std::string> hit;
  std::vector<std::pair<std::function<void(Result)>, Result>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::uint64_t now = now_ns();
    for (auto it = calls_.begin(); it != calls_.end();) {
      Entry& e = it->second;
      if (!match(view(e, now))) {
        ++it;
        continue;
      }
      hit.push_back(it->first);
      if (e.running) {
        std::uint64_t one = 1;
        ssize_t n = write(e.cancel_fd, &one, sizeof one);
        (void)n;
        ++it;
        continue;
      }
      auto& q = queues_[e.spec.tenant];
      q.erase(std::remove(q.begin(), q.end(), it->first), q.end());
      --queued_;
      finished.emplace_back(std::move(e.spec.on_done), killed_before_start(e.spec));
      close(e.cancel_fd);
      it = calls_.erase(it);
    }
    if (calls_.empty()) idle_cv_.notify_all();
  }
  for (auto& [done, r] : finished)
    if (done) done(std::move(r));
  return hit;
}

void CallManager::stop_accepting() {
  std::lock_guard<std::mutex> lock(mu_);
  accepting_ = false;
}

std::size_t CallManager::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, e] : calls_) n += e.running ? 1 : 0;
  return n;
}

std::size_t CallManager::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_;
}

void CallManager::join() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    accepting_ = false;
    idle_cv_.wait(lock, [&] { return calls_.empty(); });
    stopping_ = true;
    work_cv_.notify_all();
  }
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

}  // namespace cordon::daemon
