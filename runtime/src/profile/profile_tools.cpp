#include "cordon/profile_tools.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace cordon {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kGiB = 1ull << 30;

std::string size_text(std::uint64_t b) {
  if (b == 0) return "unlimited";
  char buf[32];
  if (b >= kGiB && b % kGiB == 0) std::snprintf(buf, sizeof buf, "%llu GiB", static_cast<unsigned long long>(b / kGiB));
  else if (b >= kMiB && b % kMiB == 0) std::snprintf(buf, sizeof buf, "%llu MiB", static_cast<unsigned long long>(b / kMiB));
  else if (b >= 1024 && b % 1024 == 0) std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(b / 1024));
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(b));
  return buf;
}

std::string ms_text(std::uint64_t ms) {
  if (ms == 0) return "unlimited";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + " h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + " min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string count_text(std::uint64_t n) { return n == 0 ? "unlimited" : std::to_string(n); }

const char* workspace_text(WorkspaceMode m) {
  switch (m) {
    case WorkspaceMode::None: return "none";
    case WorkspaceMode::HostRo: return "the caller's directory, read-only";
    case WorkspaceMode::HostRw: return "the caller's directory, read-write";
    case WorkspaceMode::Tmpfs: return "a fresh tmpfs";
  }
  return "none";
}

// Variables that change how programs load code.
bool dangerous_env(const std::string& name) {
  static const std::set<std::string> kNames = {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONPATH",
                                                "PYTHONSTARTUP", "NODE_OPTIONS", "PERL5LIB", "BASH_ENV",
                                                "ENV", "GIT_SSH_COMMAND", "PATH"};
  return kNames.count(name) != 0 || name.rfind("LD_", 0) == 0;
}

bool is_interpreter(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  for (const char* i : {"sh", "bash", "dash", "zsh", "python", "python3", "node", "perl", "ruby", "env", "make"})
    if (base == i || base.rfind(std::string(i) + ".", 0) == 0 || (std::string(i) == "python3" && base.rfind("python3", 0) == 0))
      return true;
  return false;
}

bool sensitive_source(const std::string& s) {
  for (const char* p : {"/", "/etc", "/home", "/root", "/var", "/run", "/proc", "/sys", "/dev"})
    if (s == p) return true;
  return s.rfind("/home/", 0) == 0 || s.rfind("/root/", 0) == 0 || s.rfind("/run/", 0) == 0 ||
         s.rfind("/var/run", 0) == 0 || s.find(".sock") != std::string::npos || s.find(".ssh") != std::string::npos;
}

int class_rank(const std::string& c) {
  return c == "public" ? 0 : c == "internal" ? 1 : c == "confidential" ? 2 : 3;
}
// Stricter injection handling ranks higher.
int injection_rank(InjectionAction a) {
  return a == InjectionAction::Withhold ? 2 : a == InjectionAction::Flag ? 1 : 0;
}
const char* injection_text(InjectionAction a) {
  return a == InjectionAction::Withhold ? "withhold" : a == InjectionAction::Flag ? "flag" : "off";
}

}  // namespace

std::vector<std::string> lint_profile(const Profile& p) {
  std::vector<std::string> w;
  if (p.network == NetworkMode::DangerousHostNetwork)
    w.push_back("network: dangerous_host_network shares the host's network, loopback services and abstract sockets");
  for (const auto& b : p.binds) {
    if (b.writable) w.push_back("filesystem.binds: '" + b.source + "' is writable outside the workspace (shared by every call)");
    if (sensitive_source(b.source)) w.push_back("filesystem.binds: '" + b.source + "' exposes a sensitive host path");
  }
  for (const auto& s : p.syscalls.dangerous_allow)
    w.push_back("syscalls.dangerous_allow: '" + s + "' is re-allowed from the default deny list");
  if (p.syscalls.action == SyscallAction::Errno)
    w.push_back("syscalls.action: errno lets a tool keep probing after a denial (kill stops it)");
  const Limits& l = p.limits;
  if (l.memory_bytes == 0 || l.memory_bytes > 8 * kGiB) w.push_back("limits.memory: " + size_text(l.memory_bytes) + " is very high");
  if (l.pids == 0 || l.pids > 4096) w.push_back("limits.pids: " + count_text(l.pids) + " is very high");
  if (l.wall_time_ms > 3'600'000) w.push_back("limits.wall_time: " + ms_text(l.wall_time_ms) + " is very long");
  if (l.stdout_bytes > 64 * kMiB || l.stderr_bytes > 64 * kMiB) w.push_back("limits.stdout/stderr: more than 64 MiB of output per call");
  if (l.file_size_bytes == 0) w.push_back("limits.file_size: unlimited");
  if (p.workspace.mode == WorkspaceMode::HostRw && l.disk_bytes == 0) w.push_back("limits.disk: unlimited writes to the host workspace");
  for (const auto& name : p.env.pass)
    if (dangerous_env(name)) w.push_back("env.pass: callers may set " + name + ", which changes what code runs");
  if (std::find(p.require.begin(), p.require.end(), "landlock") == p.require.end())
    w.push_back("require: landlock is not required; on a kernel without it the call runs without path rules");
  if (!p.output.redact)
    w.push_back("output: dangerous_disable_redaction passes secrets and personal data through to the agent");
  if (!p.output.pii) w.push_back("output.pii: personal data (emails, card numbers, ids) is not looked for");
  if (p.output.injection == InjectionAction::Off)
    w.push_back("output.injection: off, so instructions hidden in tool output reach the model unflagged");
  return w;
}

Explanation explain_profile(const Profile& p) {
  Explanation e;
  auto add = [&](const std::string& control, double points, const std::string& why) {
    if (points > 0) e.items.push_back({control, points, why});
  };
  const Limits& l = p.limits;
  // Network.
  if (p.network == NetworkMode::DangerousHostNetwork) {
    add("network", 3.0, "shares the host network");
    e.can.push_back("reach the host's network and its loopback services");
  } else {
    e.cannot.push_back("reach any network (own namespace, loopback only)");
  }
  // Filesystem.
  switch (p.workspace.mode) {
    case WorkspaceMode::HostRw: add("workspace", 1.0, "writes to a host directory"); break;
    case WorkspaceMode::HostRo: add("workspace", 0.3, "reads a host directory"); break;
    default: break;
  }
  e.can.push_back(std::string("use a workspace: ") + workspace_text(p.workspace.mode) +
                  (p.workspace.mode == WorkspaceMode::None ? "" : " at " + p.workspace.target));
  int writable = 0;
  for (const auto& b : p.binds) {
    if (b.writable) ++writable;
    if (sensitive_source(b.source)) add("binds", 1.5, "sees sensitive host path " + b.source);
    e.can.push_back(std::string(b.writable ? "read and write " : "read ") + b.source +
                    (b.target == b.source ? "" : " (as " + b.target + ")"));
  }
  if (writable > 0) add("binds", std::min(2.0, 1.0 * writable), std::to_string(writable) + " writable host bind(s) shared by every call");
  e.cannot.push_back("see any other host file, host processes, host IPC or the host's hostname");
  // Code execution.
  bool interp = std::any_of(p.exec.begin(), p.exec.end(), is_interpreter);
  if (interp) add("exec", 0.5, "runs a shell or interpreter: arbitrary code within the sandbox");
  for (const auto& x : p.exec) e.can.push_back("be started as " + x);
  // Syscalls.
  for (const auto& s : p.syscalls.dangerous_allow) add("syscalls", 1.0, "re-allows " + s);
  if (p.syscalls.action == SyscallAction::Errno) add("syscalls", 0.3, "denied syscalls return an error instead of stopping the tool");
  e.cannot.push_back("use ptrace, bpf, io_uring, keyrings, mounts, new namespaces, module loading or clock setting (" +
                     std::string(p.syscalls.action == SyscallAction::Kill ? "the call is stopped" : "an error is returned") + ")");
  e.cannot.push_back("gain privileges: no capabilities, no_new_privs, never host root");
  // Limits.
  if (l.memory_bytes == 0) add("limits", 0.8, "no memory limit");
  if (l.pids == 0) add("limits", 0.8, "no process limit");
  if (l.cpu_time_ms == 0 && l.cpu_cores <= 0) add("limits", 0.4, "no CPU limit");
  if (l.wall_time_ms > 600'000) add("limits", 0.3, "wall time over 10 min");
  if (l.file_size_bytes == 0) add("limits", 0.2, "no file-size limit");
  if (p.workspace.mode == WorkspaceMode::HostRw && l.disk_bytes == 0) add("limits", 0.4, "no disk budget on the host workspace");
  e.can.push_back("use up to " + size_text(l.memory_bytes) + " of memory, " + count_text(l.pids) + " processes, " +
                  ms_text(l.wall_time_ms) + " of wall time" +
                  (l.cpu_time_ms ? ", " + ms_text(l.cpu_time_ms) + " of CPU" : "") +
                  (l.cpu_cores > 0 ? ", " + std::to_string(l.cpu_cores).substr(0, 4) + " cores" : ""));
  e.can.push_back("print up to " + size_text(l.stdout_bytes) + " on stdout and " + size_text(l.stderr_bytes) + " on stderr (" +
                  (l.on_output_limit == OutputLimitAction::Kill ? "then it is stopped" : "then output is truncated") + ")");
  // Environment.
  for (const auto& n : p.env.pass)
    if (dangerous_env(n)) add("env", 0.5, "callers may set " + n);
  if (!p.env.pass.empty()) {
    std::string names;
    for (const auto& n : p.env.pass) names += (names.empty() ? "" : ", ") + n;
    e.can.push_back("receive these variables from the caller: " + names);
  }
  e.cannot.push_back("see the launcher's environment or descriptors");
  // Output.
  const OutputPolicy& o = p.output;
  if (!o.redact) add("output", 2.0, "secrets and personal data are not redacted (dangerous_disable_redaction)");
  if (!o.pii) add("output", 0.5, "personal data is not looked for");
  if (o.injection == InjectionAction::Off) add("output", 0.5, "prompt-injection text is not flagged");
  e.can.push_back("return output of data class up to " + o.max_data_class + " (above it the output is withheld)");
  if (o.redact)
    e.cannot.push_back(std::string("return secrets") + (o.pii ? " or personal data" : "") +
                       " unredacted, terminal escape sequences or invalid UTF-8");
  if (o.injection != InjectionAction::Off)
    e.cannot.push_back(std::string("pass instructions aimed at the model unnoticed (") +
                       (o.injection == InjectionAction::Withhold ? "the output is withheld" : "it is flagged and enveloped") + ")");
  // Required controls.
  if (std::find(p.require.begin(), p.require.end(), "landlock") == p.require.end())
    add("require", 0.2, "Landlock is not required");
  std::stable_sort(e.items.begin(), e.items.end(), [](const auto& a, const auto& b) { return a.points > b.points; });
  for (const auto& i : e.items) e.score += i.points;
  e.score = std::min(10.0, e.score);
  return e;
}

std::string render_explanation(const Profile& p, const Explanation& e) {
  std::ostringstream o;
  char score[16];
  std::snprintf(score, sizeof score, "%.1f", e.score);
  const char* level = e.score < 1.5 ? "locked down" : e.score < 3.5 ? "low" : e.score < 6 ? "medium" : "high";
  o << p.name << " " << p.version << (p.description.empty() ? "" : ": " + p.description) << "\n";
  o << "exposure: " << score << " / 10 (" << level << ")\n\n";
  o << "It can:\n";
  for (const auto& c : e.can) o << "  - " << c << "\n";
  o << "It cannot:\n";
  for (const auto& c : e.cannot) o << "  - " << c << "\n";
  o << "\nScore contributions:\n";
  if (e.items.empty()) o << "  (none: every weighted control is at its strictest)\n";
  for (const auto& i : e.items) {
    char pts[16];
    std::snprintf(pts, sizeof pts, "+%.1f", i.points);
    o << "  " << pts << "  " << i.control << ": " << i.why << "\n";
  }
  return o.str();
}

namespace {

struct Differ {
  std::vector<DiffLine> out;
  void line(DiffLine::Kind k, const std::string& field, const std::string& text) { out.push_back({k, field, text}); }

  // A limit where 0 means unlimited: bigger (or 0) widens.
  void limit(const std::string& field, std::uint64_t a, std::uint64_t b, std::string (*fmt)(std::uint64_t)) {
    if (a == b) return;
    bool widens = (b == 0) || (a != 0 && b > a);
    line(widens ? DiffLine::Kind::Widens : DiffLine::Kind::Narrows, field, fmt(a) + " -> " + fmt(b));
  }

  template <typename T, typename Key>
  void sets(const std::string& field, const std::vector<T>& a, const std::vector<T>& b, Key key, bool added_widens) {
    std::map<std::string, const T*> ma, mb;
    for (const auto& x : a) ma[key(x)] = &x;
    for (const auto& x : b) mb[key(x)] = &x;
    for (const auto& [k, v] : mb)
      if (!ma.count(k))
        line(added_widens ? DiffLine::Kind::Widens : DiffLine::Kind::Narrows, field, "added " + k);
    for (const auto& [k, v] : ma)
      if (!mb.count(k))
        line(added_widens ? DiffLine::Kind::Narrows : DiffLine::Kind::Widens, field, "removed " + k);
  }
};

std::string bind_key(const BindMount& b) {
  return b.source + (b.target == b.source ? "" : " as " + b.target) + (b.writable ? " (rw)" : " (ro)");
}
std::string tmpfs_key(const TmpfsMount& t) { return t.target + " (" + size_text(t.size_bytes) + ")"; }
std::string id(const std::string& s) { return s; }

}  // namespace

std::vector<DiffLine> diff_profiles(const Profile& a, const Profile& b) {
  Differ d;
  using K = DiffLine::Kind;
  if (a.name != b.name) d.line(K::Changes, "name", a.name + " -> " + b.name);
  if (a.version != b.version) d.line(K::Changes, "version", a.version + " -> " + b.version);
  d.sets("exec", a.exec, b.exec, id, true);
  d.sets("filesystem.binds", a.binds, b.binds, bind_key, true);
  d.sets("filesystem.tmpfs", a.tmpfs, b.tmpfs, tmpfs_key, true);
  if (a.workspace.mode != b.workspace.mode) {
    auto rank = [](WorkspaceMode m) { return m == WorkspaceMode::HostRw ? 3 : m == WorkspaceMode::HostRo ? 2 : m == WorkspaceMode::Tmpfs ? 1 : 0; };
    d.line(rank(b.workspace.mode) > rank(a.workspace.mode) ? K::Widens : K::Narrows, "filesystem.workspace",
           std::string(workspace_text(a.workspace.mode)) + " -> " + workspace_text(b.workspace.mode));
  }
  if (a.network != b.network)
    d.line(b.network == NetworkMode::DangerousHostNetwork ? K::Widens : K::Narrows, "network",
           a.network == NetworkMode::None ? "none -> dangerous_host_network" : "dangerous_host_network -> none");
  const Limits& la = a.limits;
  const Limits& lb = b.limits;
  d.limit("limits.wall_time", la.wall_time_ms, lb.wall_time_ms, ms_text);
  d.limit("limits.cpu_time", la.cpu_time_ms, lb.cpu_time_ms, ms_text);
  d.limit("limits.memory", la.memory_bytes, lb.memory_bytes, size_text);
  d.limit("limits.pids", la.pids, lb.pids, count_text);
  d.limit("limits.open_files", la.open_files, lb.open_files, count_text);
  d.limit("limits.file_size", la.file_size_bytes, lb.file_size_bytes, size_text);
  d.limit("limits.stdout", la.stdout_bytes, lb.stdout_bytes, size_text);
  d.limit("limits.stderr", la.stderr_bytes, lb.stderr_bytes, size_text);
  d.limit("limits.disk", la.disk_bytes, lb.disk_bytes, size_text);
  if (la.cpu_cores != lb.cpu_cores)
    d.line((lb.cpu_cores == 0 || (la.cpu_cores != 0 && lb.cpu_cores > la.cpu_cores)) ? K::Widens : K::Narrows,
           "limits.cpu_cores", std::to_string(la.cpu_cores) + " -> " + std::to_string(lb.cpu_cores));
  if (la.on_output_limit != lb.on_output_limit)
    d.line(K::Changes, "limits.on_output_limit",
           lb.on_output_limit == OutputLimitAction::Kill ? "truncate -> kill" : "kill -> truncate");
  d.sets("env.pass", a.env.pass, b.env.pass, id, true);
  for (const auto& [k, v] : b.env.set) {
    auto it = a.env.set.find(k);
    if (it == a.env.set.end()) d.line(K::Changes, "env.set", "added " + k + "=" + v);
    else if (it->second != v) d.line(K::Changes, "env.set", k + ": " + it->second + " -> " + v);
  }
  for (const auto& [k, v] : a.env.set)
    if (!b.env.set.count(k)) d.line(K::Changes, "env.set", "removed " + k);
  if (a.syscalls.action != b.syscalls.action)
    d.line(b.syscalls.action == SyscallAction::Errno ? K::Widens : K::Narrows, "syscalls.action",
           b.syscalls.action == SyscallAction::Errno ? "kill -> errno" : "errno -> kill");
  d.sets("syscalls.dangerous_allow", a.syscalls.dangerous_allow, b.syscalls.dangerous_allow, id, true);
  d.sets("syscalls.deny", a.syscalls.deny, b.syscalls.deny, [](const SyscallDeny& s) { return s.name; }, false);
  d.sets("require", a.require, b.require, id, false);
  const OutputPolicy& oa = a.output;
  const OutputPolicy& ob = b.output;
  if (oa.redact != ob.redact)
    d.line(ob.redact ? K::Narrows : K::Widens, "output.dangerous_disable_redaction", ob.redact ? "true -> false" : "false -> true");
  if (oa.pii != ob.pii) d.line(ob.pii ? K::Narrows : K::Widens, "output.pii", ob.pii ? "false -> true" : "true -> false");
  if (oa.max_data_class != ob.max_data_class)
    d.line(class_rank(ob.max_data_class) > class_rank(oa.max_data_class) ? K::Widens : K::Narrows, "output.max_data_class",
           oa.max_data_class + " -> " + ob.max_data_class);
  if (oa.injection != ob.injection)
    d.line(injection_rank(ob.injection) < injection_rank(oa.injection) ? K::Widens : K::Narrows, "output.injection",
           std::string(injection_text(oa.injection)) + " -> " + injection_text(ob.injection));
  if (oa.injection_threshold != ob.injection_threshold)
    d.line(ob.injection_threshold > oa.injection_threshold ? K::Widens : K::Narrows, "output.injection_threshold",
           std::to_string(oa.injection_threshold).substr(0, 4) + " -> " + std::to_string(ob.injection_threshold).substr(0, 4));
  // A rules file can add rules or disable shipped ones: any change may widen.
  if (oa.rules != ob.rules) {
    std::string ra, rb;
    for (const auto& r : oa.rules) ra += (ra.empty() ? "" : ", ") + r;
    for (const auto& r : ob.rules) rb += (rb.empty() ? "" : ", ") + r;
    d.line(K::Widens, "output.rules", "[" + ra + "] -> [" + rb + "] (review: rules files can disable shipped rules)");
  }
  if (oa.control_chars != ob.control_chars) d.line(K::Changes, "output.control_chars", "strip <-> escape");
  if (oa.fingerprint != ob.fingerprint) d.line(K::Changes, "output.fingerprint", ob.fingerprint ? "false -> true" : "true -> false");
  if (a.uid != b.uid || a.gid != b.gid) d.line(K::Changes, "uid/gid", "tool ids changed");
  if (a.hostname != b.hostname) d.line(K::Changes, "hostname", a.hostname + " -> " + b.hostname);
  return d.out;
}

std::string render_diff(const std::vector<DiffLine>& d) {
  std::ostringstream o;
  int widen = 0;
  for (const auto& l : d) {
    const char* mark = l.kind == DiffLine::Kind::Widens ? "WIDENS " : l.kind == DiffLine::Kind::Narrows ? "narrows" : "changes";
    widen += l.kind == DiffLine::Kind::Widens ? 1 : 0;
    o << mark << "  " << l.field << ": " << l.text << "\n";
  }
  if (d.empty()) o << "no differences in what the tool may do\n";
  else o << "\n" << widen << " widening(s), " << d.size() << " difference(s)\n";
  return o.str();
}

}  // namespace cordon
