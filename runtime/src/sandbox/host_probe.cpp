// probe_host(): what this kernel and cgroup hierarchy offer.
#include <sys/syscall.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "child/landlock_abi.h"
#include "cordon/host.h"
#include "sandbox/cgroup_layout.h"
#include "sandbox/fsutil.h"

namespace cordon {
namespace {

struct CgroupMount {
  std::string mount_point;
  std::string root;  // root of the mount inside the hierarchy
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// controller ("memory", ...) or "" for cgroup2 -> mount
std::map<std::string, CgroupMount> cgroup_mounts(const std::string& mountinfo) {
  std::map<std::string, CgroupMount> out;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto pre = split(line.substr(0, dash), ' ');
    auto post = split(line.substr(dash + 3), ' ');
    if (pre.size() < 5 || post.size() < 3) continue;
    CgroupMount m{pre[4], pre[3]};
    if (post[0] == "cgroup2") {
      out.emplace("", m);
    } else if (post[0] == "cgroup") {
      for (const auto& opt : split(post[2], ','))
        if (opt == "memory" || opt == "pids" || opt == "cpu" || opt == "cpuacct") out.emplace(opt, m);
    }
  }
  return out;
}

// controller or "" (v2) -> our cgroup path
std::map<std::string, std::string> own_cgroups(const std::string& proc_cgroup) {
  std::map<std::string, std::string> out;
  std::istringstream in(proc_cgroup);
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':');
    auto b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (ctrls.empty()) {
      out[""] = path;
    } else {
      for (const auto& c : split(ctrls, ',')) out[c] = path;
    }
  }
  return out;
}

std::string join(const CgroupMount& m, std::string path) {
  if (m.root != "/" && path.rfind(m.root, 0) == 0) path = path.substr(m.root.size());
  if (path == "/") path.clear();
  return m.mount_point + path;
}

}  // namespace

CgroupLayout parse_cgroup_layout(const std::string& mountinfo, const std::string& proc_cgroup,
                                 const std::function<std::string(const std::string&)>& read_file,
                                 const std::string& name) {
  CgroupLayout l;
  auto mounts = cgroup_mounts(mountinfo);
  auto own = own_cgroups(proc_cgroup);
  if (auto v2 = mounts.find(""); v2 != mounts.end() && own.count("")) {
    auto ctrls = read_file(v2->second.mount_point + "/cgroup.controllers");
    std::istringstream in(ctrls);
    std::string c;
    bool useful = false;
    while (in >> c) useful = useful || c == "memory" || c == "pids" || c == "cpu";
    if (useful) {
      l.version = 2;
      l.v2_parent = join(v2->second, own[""]);
      return l;
    }
  }
  auto v1 = [&](const std::string& ctrl) -> std::string {
    auto m = mounts.find(ctrl);
    auto o = own.find(ctrl);
    if (m == mounts.end() || o == own.end()) return "";
    return join(m->second, o->second) + "/" + name;
  };
  l.v1_memory = v1("memory");
  l.v1_pids = v1("pids");
  l.v1_cpu = v1("cpu");
  l.v1_cpuacct = v1("cpuacct");
  if (!l.v1_memory.empty() || !l.v1_pids.empty() || !l.v1_cpu.empty()) {
    l.version = 1;
  } else {
    l.why_unusable = "no cgroup v2 controllers and no v1 memory/pids/cpu hierarchy";
  }
  return l;
}

HostInfo probe_host(const std::string& cgroup_name) {
  HostInfo h;
  h.euid = geteuid();
  h.egid = getegid();
  long abi = syscall(child::kSysLandlockCreateRuleset, nullptr, 0, child::kLandlockCreateRulesetVersion);
  h.landlock_abi = abi > 0 ? static_cast<int>(abi) : 0;
  h.cgroups = parse_cgroup_layout(
      read_small_file("/proc/self/mountinfo").value_or(""), read_small_file("/proc/self/cgroup").value_or(""),
      [](const std::string& p) { return read_small_file(p).value_or(""); }, cgroup_name);
  if (h.euid != 0) {
    h.host_uid = h.euid;
    h.host_gid = h.egid;
  }
  return h;
}

}  // namespace cordon
