#include "sandbox/cgroup.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <thread>

#include "sandbox/fsutil.h"

namespace cordon {
namespace {

std::string errstr(int e) { return std::strerror(e); }

// v2: make sure `dir`'s children can use the controllers.
int enable_v2_controllers(const std::string& dir) {
  auto avail = read_small_file(dir + "/cgroup.controllers").value_or("");
  std::string want;
  for (const char* c : {"memory", "pids", "cpu"}) {
    if (avail.find(c) != std::string::npos) want += std::string(want.empty() ? "+" : " +") + c;
  }
  if (want.empty()) return ENOTSUP;
  return write_small_file(dir + "/cgroup.subtree_control", want);
}

// v2 "no internal processes": if our own cgroup holds processes, move this
// process into a leaf so that the controllers can be delegated below it.
int prepare_v2_parent(const std::string& parent) {
  int err = enable_v2_controllers(parent);
  if (err == EBUSY) {
    std::string leaf = parent + "/cordon.self";
    if (mkdir(leaf.c_str(), 0755) < 0 && errno != EEXIST) return errno;
    err = write_small_file(leaf + "/cgroup.procs", std::to_string(getpid()));
    if (err != 0) return err;
    err = enable_v2_controllers(parent);
  }
  if (err != 0) return err;
  std::string base = parent + "/cordon";
  if (mkdir(base.c_str(), 0755) < 0 && errno != EEXIST) return errno;
  return enable_v2_controllers(base);
}

void kill_procs_in(const std::string& dir) {
  auto procs = read_small_file(dir + "/cgroup.procs");
  if (!procs) return;
  std::istringstream in(*procs);
  pid_t pid;
  while (in >> pid) kill(pid, SIGKILL);
}

std::string cpu_max_line(double cores) {
  const std::uint64_t period = 100000;
  auto quota = static_cast<std::uint64_t>(std::llround(cores * static_cast<double>(period)));
  if (quota < 1000) quota = 1000;
  return std::to_string(quota) + " " + std::to_string(period);
}

}  // namespace

std::unique_ptr<CallCgroup> CallCgroup::create(const CgroupLayout& layout, const std::string& name,
                                               const CgroupLimits& limits, std::vector<Control>& controls) {
  std::unique_ptr<CallCgroup> cg(new CallCgroup());
  cg->version_ = layout.version;
  auto add = [&](const char* ctl, bool ok, std::string detail) {
    controls.push_back(Control{ctl, ok, std::move(detail)});
  };
  bool any = false;

  if (layout.version == 2) {
    int err = prepare_v2_parent(layout.v2_parent);
    std::string dir = layout.v2_parent + "/cordon/" + name;
    if (err == 0 && mkdir(dir.c_str(), 0755) < 0) err = errno;
    if (err != 0) {
      std::string why = "cgroup v2 at " + layout.v2_parent + ": " + errstr(err);
      add("cgroup_memory", false, why);
      add("cgroup_pids", false, why);
      add("cgroup_cpu", false, why);
      return nullptr;
    }
    cg->v2_dir_ = dir;
    any = true;
    auto set = [&](const char* ctl, const char* file, const std::string& value, const std::string& detail) {
      int e = write_small_file(dir + "/" + file, value);
      add(ctl, e == 0, e == 0 ? "v2 " + detail : std::string("v2 ") + file + ": " + errstr(e));
      return e == 0;
    };
    if (limits.memory_bytes > 0) {
      set("cgroup_memory", "memory.max", std::to_string(limits.memory_bytes),
          "memory.max=" + std::to_string(limits.memory_bytes));
      (void)write_small_file(dir + "/memory.swap.max", "0");
    } else {
      add("cgroup_memory", false, "no memory limit in the profile");
    }
    if (limits.pids > 0)
      set("cgroup_pids", "pids.max", std::to_string(limits.pids), "pids.max=" + std::to_string(limits.pids));
    else
      add("cgroup_pids", false, "no pids limit in the profile");
    if (limits.cpu_cores > 0)
      cg->cpu_limited_ =
          set("cgroup_cpu", "cpu.max", cpu_max_line(limits.cpu_cores), "cpu.max=" + cpu_max_line(limits.cpu_cores));
    else
      add("cgroup_cpu", false, "no cpu_cores limit in the profile (usage is still accounted)");
    return cg;
  }

  if (layout.version != 1) {
    std::string why = layout.why_unusable.empty() ? "no cgroups" : layout.why_unusable;
    add("cgroup_memory", false, why);
    add("cgroup_pids", false, why);
    add("cgroup_cpu", false, why);
    return nullptr;
  }

  auto make = [&](const std::string& parent, std::string& out, std::string& why) -> bool {
    if (parent.empty()) {
      why = "controller not mounted";
      return false;
    }
    // The parent exists after the first call: create it only when missing.
    std::string dir = parent + "/" + name;
    int e = mkdir(dir.c_str(), 0755) == 0 ? 0 : errno;
    if (e == ENOENT) {
      e = make_dirs(parent);
      if (e == 0 && mkdir(dir.c_str(), 0755) < 0) e = errno;
    }
    if (e != 0) {
      why = parent + ": " + errstr(e);
      return false;
    }
    out = dir;
    any = true;
    return true;
  };

  std::string why;
  if (limits.memory_bytes == 0) {
    add("cgroup_memory", false, "no memory limit in the profile");
  } else if (make(layout.v1_memory, cg->mem_dir_, why)) {
    int e = write_small_file(cg->mem_dir_ + "/memory.limit_in_bytes", std::to_string(limits.memory_bytes));
    (void)write_small_file(cg->mem_dir_ + "/memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes));
    // v1 charges socket buffers only once a TCP limit is set (v2 always
    // does, inside memory.max): without it, unread loopback connections pin
    // kernel memory outside the limit. v1 keeps this counter apart from
    // memory.usage, so give sockets a quarter of the limit: together they
    // stay within 1.25x. Deprecated in recent kernels, still honoured.
    const std::uint64_t tcp = std::max<std::uint64_t>(limits.memory_bytes / 4, 1u << 20);
    if (e == 0) (void)write_small_file(cg->mem_dir_ + "/memory.kmem.tcp.limit_in_bytes", std::to_string(tcp));
    add("cgroup_memory", e == 0,
        e == 0 ? "v1 memory.limit_in_bytes=" + std::to_string(limits.memory_bytes) + ", socket buffers " + std::to_string(tcp)
               : "v1: " + errstr(e));
  } else {
    add("cgroup_memory", false, "v1 " + why);
  }
  if (limits.pids == 0) {
    add("cgroup_pids", false, "no pids limit in the profile");
  } else if (make(layout.v1_pids, cg->pids_dir_, why)) {
    int e = write_small_file(cg->pids_dir_ + "/pids.max", std::to_string(limits.pids));
    add("cgroup_pids", e == 0, e == 0 ? "v1 pids.max=" + std::to_string(limits.pids) : "v1: " + errstr(e));
  } else {
    add("cgroup_pids", false, "v1 " + why);
  }
  // cpuacct gives the usage even without a bandwidth limit.
  if (layout.v1_cpuacct == layout.v1_cpu) {
    if (make(layout.v1_cpu, cg->cpu_dir_, why)) cg->cpuacct_dir_ = cg->cpu_dir_;
  } else {
    std::string ignored;
    make(layout.v1_cpuacct, cg->cpuacct_dir_, ignored);
    if (limits.cpu_cores > 0) make(layout.v1_cpu, cg->cpu_dir_, why);
  }
  if (limits.cpu_cores <= 0) {
    add("cgroup_cpu", false, "no cpu_cores limit in the profile (usage is still accounted)");
  } else if (!cg->cpu_dir_.empty()) {
    std::string line = cpu_max_line(limits.cpu_cores);
    std::string quota = line.substr(0, line.find(' '));
    int e = write_small_file(cg->cpu_dir_ + "/cpu.cfs_period_us", "100000");
    if (e == 0) e = write_small_file(cg->cpu_dir_ + "/cpu.cfs_quota_us", quota);
    cg->cpu_limited_ = e == 0;
    add("cgroup_cpu", e == 0, e == 0 ? "v1 cpu.cfs_quota_us=" + quota : "v1: " + errstr(e));
  } else {
    add("cgroup_cpu", false, "v1 " + why);
  }
  if (!any) return nullptr;
  return cg;
}

std::vector<std::string> CallCgroup::all_dirs() const {
  std::vector<std::string> out;
  for (const auto* d : {&v2_dir_, &mem_dir_, &pids_dir_, &cpu_dir_, &cpuacct_dir_}) {
    if (d->empty()) continue;
    bool dup = false;
    for (const auto& o : out) dup = dup || o == *d;
    if (!dup) out.push_back(*d);
  }
  return out;
}

int CallCgroup::attach(pid_t pid) {
  for (const auto& d : all_dirs()) {
    int e = write_small_file(d + "/cgroup.procs", std::to_string(pid));
    if (e != 0) return e;
  }
  return 0;
}

void CallCgroup::lift_cpu_limit() {
  if (!cpu_limited_) return;
  cpu_limited_ = false;
  if (version_ == 2) (void)write_small_file(v2_dir_ + "/cpu.max", "max 100000");
  else (void)write_small_file(cpu_dir_ + "/cpu.cfs_quota_us", "-1");
}

void CallCgroup::kill_all() {
  if (version_ == 2 && write_small_file(v2_dir_ + "/cgroup.kill", "1") == 0) return;
  // v1: every process of the call is in each hierarchy (it cannot move
  // itself), so one list is enough; destroy() retries on the others.
  auto dirs = all_dirs();
  if (!dirs.empty()) kill_procs_in(dirs.front());
}

bool CallCgroup::populated() const {
  if (version_ == 2) {
    auto ev = read_small_file(v2_dir_ + "/cgroup.events");
    return ev && keyed_value(*ev, "populated") != 0;
  }
  for (const auto& d : all_dirs()) {
    auto procs = read_small_file(d + "/cgroup.procs");
    if (procs && procs->find_first_of("0123456789") != std::string::npos) return true;
  }
  return false;
}

std::uint64_t CallCgroup::cpu_usage_ns() const {
  if (version_ == 2) {
    auto st = read_small_file(v2_dir_ + "/cpu.stat");
    return st ? keyed_value(*st, "usage_usec") * 1000 : 0;
  }
  if (cpuacct_dir_.empty()) return 0;
  auto v = read_small_file(cpuacct_dir_ + "/cpuacct.usage");
  return v ? std::strtoull(v->c_str(), nullptr, 10) : 0;
}

bool CallCgroup::tracks_cpu() const { return version_ == 2 || !cpuacct_dir_.empty(); }

std::uint64_t CallCgroup::peak_memory_bytes() const {
  if (version_ == 2) {
    auto v = read_small_file(v2_dir_ + "/memory.peak");
    return v ? std::strtoull(v->c_str(), nullptr, 10) : 0;
  }
  if (mem_dir_.empty()) return 0;
  auto v = read_small_file(mem_dir_ + "/memory.max_usage_in_bytes");
  return v ? std::strtoull(v->c_str(), nullptr, 10) : 0;
}

std::uint64_t CallCgroup::oom_kills() const {
  if (version_ == 2) {
    auto v = read_small_file(v2_dir_ + "/memory.events");
    return v ? keyed_value(*v, "oom_kill") : 0;
  }
  if (mem_dir_.empty()) return 0;
  auto v = read_small_file(mem_dir_ + "/memory.oom_control");
  return v ? keyed_value(*v, "oom_kill") : 0;
}

std::uint64_t CallCgroup::pids_limit_hits() const {
  const std::string& d = version_ == 2 ? v2_dir_ : pids_dir_;
  if (d.empty()) return 0;
  auto v = read_small_file(d + "/pids.events");
  return v ? keyed_value(*v, "max") : 0;
}

void CallCgroup::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  auto dirs = all_dirs();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& d : dirs) {
    while (rmdir(d.c_str()) < 0 && errno == EBUSY && std::chrono::steady_clock::now() < deadline) {
      kill_procs_in(d);
      if (version_ == 2) (void)write_small_file(d + "/cgroup.kill", "1");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

CallCgroup::~CallCgroup() { destroy(); }

int cleanup_stale_cgroups(const CgroupLayout& layout) {
  std::vector<std::string> parents;
  if (layout.version == 2) parents.push_back(layout.v2_parent + "/cordon");
  for (const auto* p : {&layout.v1_memory, &layout.v1_pids, &layout.v1_cpu, &layout.v1_cpuacct})
    if (!p->empty()) parents.push_back(*p);
  int removed = 0;
  for (const auto& parent : parents) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
      if (!e.is_directory(ec)) continue;
      const std::string name = e.path().filename().string();
      auto dash = name.find('-');
      if (dash == std::string::npos || name.find_first_not_of("0123456789") != dash) continue;
      pid_t owner = static_cast<pid_t>(std::stol(name.substr(0, dash)));
      if (owner == getpid() || kill(owner, 0) == 0 || errno != ESRCH) continue;
      const std::string dir = e.path().string();
      kill_procs_in(dir);
      (void)write_small_file(dir + "/cgroup.kill", "1");
      for (int i = 0; i < 50 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      removed += access(dir.c_str(), F_OK) != 0 ? 1 : 0;
    }
  }
  return removed;
}

}  // namespace cordon
