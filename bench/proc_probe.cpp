#include "proc_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace cordon::bench {

std::optional<std::string> read_small_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

std::optional<ProcSnapshot> snapshot(pid_t pid, std::string& err) {
  const std::string base = "/proc/" + std::to_string(pid);
  ProcSnapshot s;
  auto status_text = read_small_file(base + "/status");
  if (!status_text) {
    err = "cannot read " + base + "/status";
    return std::nullopt;
  }
  std::istringstream status(*status_text);
  bool have_rss = false;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
      have_rss = true;
    } else if (line.rfind("Threads:", 0) == 0) {
      s.threads = std::strtoull(line.c_str() + 8, nullptr, 10);
    }
  }
  if (!have_rss) {
    err = base + "/status has no VmRSS (a zombie?)";
    return std::nullopt;
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it(base + "/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++s.fds;
    std::error_code lec;
    auto target = std::filesystem::read_symlink(it->path(), lec);
    s.fd_targets.push_back(it->path().filename().string() + " -> " + (lec ? "?" : target.string()));
  }
  if (ec) {
    err = "cannot list " + base + "/fd: " + ec.message();
    return std::nullopt;
  }
  auto mountinfo = read_small_file(base + "/mountinfo");
  if (!mountinfo) {
    err = "cannot read " + base + "/mountinfo";
    return std::nullopt;
  }
  for (char c : *mountinfo)
    if (c == '\n') ++s.mounts;
  return s;
}

std::vector<std::string> new_fds(const ProcSnapshot& earlier, const ProcSnapshot& later) {
  std::set<std::string> before(earlier.fd_targets.begin(), earlier.fd_targets.end());
  std::vector<std::string> out;
  for (const auto& t : later.fd_targets)
    if (!before.count(t)) out.push_back(t);
  return out;
}

std::size_t count_call_cgroups(const CgroupLayout& layout, pid_t pid) {
  std::set<std::string> parents;
  if (layout.version == 2 && !layout.v2_parent.empty()) parents.insert(layout.v2_parent + "/cordon");
  if (layout.version == 1) {
    for (const auto* p : {&layout.v1_memory, &layout.v1_pids, &layout.v1_cpu, &layout.v1_cpuacct})
      if (!p->empty()) parents.insert(*p);
  }
  const std::string prefix = std::to_string(pid) + "-";
  std::size_t n = 0;
  for (const auto& parent : parents) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec) && it->path().filename().string().rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

}  // namespace cordon::bench
