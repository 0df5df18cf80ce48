#include "runner.h"

#include "client/client.h"

#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_daemon.h"
#include "cordon/host.h"
#include "daemon_caller.h"
#include "spawn.h"

namespace cordon::bench {
namespace {

using Counter = std::shared_ptr<std::atomic<std::size_t>>;

constexpr auto kSettle = std::chrono::milliseconds(300);  // for the daemon to drop closed connections
// Before an RSS snapshot after calls: cordond gives freed allocator memory
// back once it has been idle for a second (Server::arm_idle_trim).
constexpr auto kIdleSettle = std::chrono::milliseconds(1500);

std::string read_first_line(const std::string& path) {
  std::string text = read_small_file(path).value_or("");
  return text.substr(0, text.find('\n'));
}

std::string cpu_model() {
  std::istringstream in(read_small_file("/proc/cpuinfo").value_or(""));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      return p == std::string::npos ? line : line.substr(p + 2);
    }
  return "unknown";
}

// Wraps a worker factory so that every successful call is counted.
WorkerFactory counted(WorkerFactory make, Counter n) {
  return [make = std::move(make), n](std::string& err) -> std::optional<CallFn> {
    auto fn = make(err);
    if (!fn) return std::nullopt;
    return CallFn([fn = std::move(*fn), n] {
      std::string e = fn();
      if (e.empty()) n->fetch_add(1);
      return e;
    });
  };
}

// Every worker runs the same command.
WorkerFactory process_workers(const Command& cmd) {
  return [&cmd](std::string&) -> std::optional<CallFn> { return CallFn([&cmd] { return cmd.run(); }); };
}

class Runner {
 public:
  explicit Runner(const Options& o) : o_(o) {}
  std::optional<Measurements> run(std::string& err);

 private:
  bool make_commands(std::string& err);
  void latency_phase();
  void throughput_phase();
  std::optional<ProcSnapshot> snap(const char* when);
  void note_error(const std::string& what, std::size_t n, const std::string& first) {
    if (n > 0) m_.errors.push_back(what + ": " + std::to_string(n) + " failed, first: " + first);
  }
  Variant daemon_variant(std::string key, std::string label, const std::string& tool, std::vector<std::string> argv,
                         Breakdown* bd);

  const Options& o_;
  Measurements m_;
  std::optional<Command> floor_, launch_floor_, bwrap_, cordon_run_, py_floor_, py_bwrap_, ns_floor_, ns_floor_cg_;
  std::optional<BenchDaemon> daemon_;
  Counter daemon_calls_ = std::make_shared<std::atomic<std::size_t>>(0);
};

bool Runner::make_commands(std::string& err) {
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1"};
  // The same filesystem view as the bench profile: /usr read-only, /bin,
  // /lib, /lib64 through it, the loader cache, /proc, /dev, a /tmp.
  auto bwrap_argv = [&](std::vector<std::string> tool) {
    std::vector<std::string> a = {o_.bwrap,   "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind",
                                  "/usr",     "/usr",          "--symlink",         "usr/bin",       "/bin",
                                  "--symlink", "usr/lib",      "/lib",              "--symlink",     "usr/lib64",
                                  "/lib64",   "--ro-bind",     "/etc/ld.so.cache",  "/etc/ld.so.cache",
                                  "--proc",   "/proc",         "--dev",             "/dev",          "--tmpfs",
                                  "/tmp",     "--"};
    a.insert(a.end(), tool.begin(), tool.end());
    return a;
  };
  auto make = [&](std::optional<Command>& slot, const char* key, std::vector<std::string> argv) {
    slot = Command::make(std::move(argv), env, err);
    if (slot) m_.commands[key] = slot->display();
    return slot.has_value();
  };
  // The kernel floor joins cgroups where cordon would put a call: one
  // directory per hierarchy (v2: one; v1: memory, pids, cpu).
  std::vector<std::string> cg_argv = {o_.ns_floor};
  const CgroupLayout cg = probe_host().cgroups;
  std::vector<std::string> parents;
  if (cg.version == 2) parents = {cg.v2_parent};
  if (cg.version == 1) parents = {cg.v1_memory, cg.v1_pids, cg.v1_cpu};
  for (const auto& p : parents) {
    std::error_code ec;
    if (p.empty()) continue;
    std::filesystem::create_directories(p, ec);
    cg_argv.insert(cg_argv.end(), {"--cgroup", p});
  }
  cg_argv.insert(cg_argv.end(), {"--", kTrue});
  bool with_cg = cg_argv.size() > 3;
  if (with_cg && !make(ns_floor_cg_, "ns_floor_cg", cg_argv)) return false;
  // Two process starts, as any one-shot launcher pays (its own, then the
  // tool's): dash forks and execs /bin/true (the ':' keeps it from exec'ing
  // in place).
  return make(ns_floor_, "ns_floor", {o_.ns_floor, "--", kTrue}) && make(floor_, "floor", {kTrue}) &&
         make(launch_floor_, "launch_floor", {"/bin/sh", "-c", std::string(kTrue) + "; :"}) &&
         make(bwrap_, "bwrap", bwrap_argv({kTrue})) &&
         make(cordon_run_, "cordon_run", {o_.cordon, "run", "--profile", o_.profile_dir + "/bench.json", "--", kTrue}) &&
         make(py_floor_, "py_floor", {o_.python, "-c", "pass"}) &&
         make(py_bwrap_, "py_bwrap", bwrap_argv({o_.python, "-c", "pass"}));
}

std::optional<ProcSnapshot> Runner::snap(const char* when) {
  std::string err;
  auto s = snapshot(daemon_->pid(), err);
  if (!s) m_.errors.push_back(std::string("daemon snapshot ") + when + ": " + err);
  return s;
}

Variant Runner::daemon_variant(std::string key, std::string label, const std::string& tool,
                               std::vector<std::string> argv, Breakdown* bd) {
  Variant v;
  v.key = std::move(key);
  v.label = std::move(label);
  m_.commands[v.key] = nlohmann::json{{"op", "run"}, {"tool", tool}, {"argv", argv}}.dump();
  std::string err;
  auto caller = DaemonCaller::open(daemon_->socket(), tool, argv, err);
  if (!caller) {
    v.once = [err] { return "connect: " + err; };
    return v;
  }
  auto shared = std::make_shared<DaemonCaller>(std::move(*caller));
  auto n = daemon_calls_;
  v.once = [shared, bd, n] {
    nlohmann::json result;
    std::string e = shared->call(&result);
    if (e.empty()) {
      n->fetch_add(1);
      if (bd) bd->add(result);
    }
    return e;
  };
  return v;
}

void Runner::latency_phase() {
  auto proc = [](std::string key, std::string label, const Command& cmd) {
    Variant v;
    v.key = std::move(key);
    v.label = std::move(label);
    v.once = [&cmd] { return cmd.run(); };
    return v;
  };
  auto& l = m_.latency;
  l.push_back(proc("floor", "fork+exec /bin/true (floor)", *floor_));
  l.push_back(proc("launch_floor", "sh forks+execs /bin/true (one-shot floor)", *launch_floor_));
  l.push_back(proc("bwrap", "bwrap /bin/true", *bwrap_));
  l.push_back(proc("ns_floor", "kernel floor: namespaces, root, seccomp (C)", *ns_floor_));
  if (ns_floor_cg_) l.push_back(proc("ns_floor_cg", "kernel floor + joining cgroups (C)", *ns_floor_cg_));
  l.push_back(proc("cordon_run", "cordon run one-shot", *cordon_run_));
  l.push_back(daemon_variant("daemon_cold", "daemon call, cold (no pool)", kBenchTool, {kTrue}, &m_.breakdown));
  if (m_.warm_pool) l.push_back(daemon_variant("daemon_warm", "daemon call, warm pool", kWarmTool, {kTrue}, nullptr));
  l.push_back(daemon_variant("daemon_64k", "daemon call printing 64 KiB", kBenchTool, {o_.python, "-c", kPrint64k},
                             &m_.breakdown_64k));
  l.push_back(proc("py_floor", "python3 -c pass: fork+exec (floor)", *py_floor_));
  l.push_back(proc("py_bwrap", "python3 -c pass: bwrap", *py_bwrap_));
  l.push_back(daemon_variant("py_daemon", "python3 -c pass: daemon call", kBenchTool, {o_.python, "-c", "pass"}, nullptr));
  std::vector<Variant*> ptrs;
  for (auto& v : l) ptrs.push_back(&v);
  run_rounds(ptrs, o_.warmup, o_.rounds);
  for (auto& v : l) {
    v.once = nullptr;  // closes the sequential connections
    note_error("latency " + v.key, v.errors, v.first_error);
  }
}

void Runner::throughput_phase() {
  struct Tp {
    std::string key;
    WorkerFactory make;
  };
  std::vector<Tp> tps = {
      {"floor", process_workers(*floor_)},
      {"bwrap", process_workers(*bwrap_)},
      {"ns_floor", process_workers(*ns_floor_)},
      {"daemon_cold", counted(daemon_workers(daemon_->socket(), kBenchTool, {kTrue}), daemon_calls_)},
  };
  if (m_.warm_pool)
    tps.push_back({"daemon_warm", counted(daemon_workers(daemon_->socket(), kWarmTool, {kTrue}), daemon_calls_)});
  for (unsigned c : o_.concurrency)
    for (const auto& t : tps) m_.throughput.push_back({t.key, c, {}});
  std::size_t turn = 0;  // rotates which variant goes first
  for (unsigned r = 0; r < o_.tp_rounds; ++r)
    for (unsigned c : o_.concurrency) {
      ++turn;
      for (std::size_t k = 0; k < tps.size(); ++k) {
        const Tp& t = tps[(turn + k) % tps.size()];
        Rate rr = run_workers(t.make, c, o_.window_s, 0);
        for (auto& e : m_.throughput)
          if (e.key == t.key && e.workers == c) e.rate.add(rr);
      }
    }
  for (const auto& e : m_.throughput)
    note_error("throughput " + e.key + " with " + std::to_string(e.workers) + " workers", e.rate.errors,
               e.rate.first_error);
}

std::optional<Measurements> Runner::run(std::string& err) {
  if (!make_commands(err)) return std::nullopt;
  HostInfo host = probe_host();
  utsname u{};
  uname(&u);
  m_.kernel = u.release;
  m_.cpu_model = cpu_model();
  m_.cpus = std::thread::hardware_concurrency();
  m_.cgroup_version = host.cgroups.version;
  m_.landlock_abi = host.landlock_abi;
  m_.load_start = read_first_line("/proc/loadavg");
  m_.warm_pool = std::filesystem::exists(o_.profile_dir + "/" + kWarmTool + ".json");

  std::cerr << "cordon_bench: starting cordond (" << o_.cordond << ")\n";
  DaemonSetup setup{o_.cordond, o_.profile_dir, o_.workers, std::max(128u, 4 * o_.workers), 256, {}};
  if (m_.warm_pool) setup.warm_pool[kWarmTool] = o_.pool_size;
  daemon_ = BenchDaemon::start(setup, err);
  if (!daemon_) return std::nullopt;
  std::this_thread::sleep_for(kSettle);  // it drops the readiness probe's connection
  m_.idle = snap("idle");

  // Every worker thread runs a call before the "warm" snapshot.
  const unsigned max_c = *std::max_element(o_.concurrency.begin(), o_.concurrency.end());
  auto daemon_true = counted(daemon_workers(daemon_->socket(), kBenchTool, {kTrue}), daemon_calls_);
  m_.warmup_calls = 2 * std::max(max_c, o_.workers);
  Rate w = run_workers(daemon_true, max_c, 0, m_.warmup_calls);
  note_error("warm-up", w.errors, w.first_error);
  std::this_thread::sleep_for(kIdleSettle);
  m_.warm = snap("after warm-up");

  std::cerr << "cordon_bench: latency, " << o_.warmup << " + " << o_.rounds << " rounds\n";
  latency_phase();
  std::cerr << "cordon_bench: throughput\n";
  throughput_phase();
  if (daemon_calls_->load() < o_.calls) {
    std::size_t more = o_.calls - daemon_calls_->load();
    std::cerr << "cordon_bench: " << more << " more daemon calls (to " << o_.calls << ")\n";
    Rate t = run_workers(daemon_true, 8, 0, more);
    note_error("top-up calls", t.errors, t.first_error);
  }
  std::this_thread::sleep_for(kIdleSettle);
  m_.calls_at_after = daemon_calls_->load();
  m_.after_calls = snap("after calls");

  std::cerr << "cordon_bench: containment, " << o_.tree_reps << " x " << o_.tree_size << " processes\n";
  m_.contain = measure_contain(daemon_->socket(), kBenchTool, o_.tree_size, o_.tree_reps);
  note_error("containment", m_.contain.errors, m_.contain.first_error);
  m_.contain_floor = measure_contain_floor(o_.tree_size, o_.tree_reps);
  note_error("containment floor", m_.contain_floor.errors, m_.contain_floor.first_error);
  std::this_thread::sleep_for(kSettle);
  if (m_.warm_pool) {
    // Parked warm sandboxes hold fds and cgroups by design: empty the pool
    // (reload drops every parked sandbox) before counting what is left.
    std::string e;
    std::optional<nlohmann::json> r;
    {
      auto conn = client::Connection::open(daemon_->socket(), e);
      if (conn) r = conn->request({{"op", "reload"}}, e, {}, 10'000);
    }  // closed before the settle: the fd count must not see our own connection
    if (!r || !(*r).value("ok", false)) m_.errors.push_back("emptying the warm pool (reload): " + (r ? r->dump() : e));
    std::this_thread::sleep_for(kSettle);
  }
  m_.end = snap("end");
  m_.cgroups_end = count_call_cgroups(host.cgroups, daemon_->pid());
  m_.load_end = read_first_line("/proc/loadavg");
  std::string stop = daemon_->stop();
  if (!stop.empty()) m_.errors.push_back(stop + ": " + daemon_->log_tail(600));
  return std::move(m_);
}

}  // namespace

std::optional<Measurements> measure(const Options& o, std::string& err) {
  Runner r(o);
  return r.run(err);
}

}  // namespace cordon::bench
