#include "harness.h"

#include "cordon/filter.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace cordon::adv {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<const RuleSet> test_rules() {
  static const std::shared_ptr<const RuleSet> rules = RuleSet::load_default();
  return rules;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Never throws: files under /proc vanish while being read (ESRCH).
std::string read_file(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

void write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  chmod(path.c_str(), mode);
}

// Entry names of a directory (empty when it cannot be read); never throws,
// even when entries come and go while it is read.
std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  closedir(d);
  return out;
}

std::string random_hex() {
  std::random_device rd;
  std::ostringstream o;
  o << std::hex << rd() << rd();
  return o.str();
}

std::string make_temp_dir(const std::string& prefix, mode_t mode) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) return "";
  chmod(pattern.c_str(), mode);
  return pattern;
}

// A marker unique to one run: the program's name (comm, at most 15 chars)
// and its first argument, so leftovers on the host can be found.
std::string next_marker() {
  static std::atomic<int> counter{0};
  return "cadv" + std::to_string(getpid()) + "n" + std::to_string(++counter) + "z";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string shorten(const std::string& s, std::size_t max = 3000) {
  if (s.size() <= max) return s;
  return s.substr(0, max) + "... (" + std::to_string(s.size()) + " bytes)";
}

int listen_unix(const sockaddr_un& a, socklen_t len) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return -1;
  if (bind(s, reinterpret_cast<const sockaddr*>(&a), len) < 0 || listen(s, 16) < 0) {
    close(s);
    return -1;
  }
  return s;
}

// A connection waiting on a listener is evidence of an escape.
void check_listener(int fd, const std::string& what, Verdict& v) {
  if (fd < 0) return;
  int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c < 0) return;
  pollfd p{c, POLLIN, 0};
  (void)poll(&p, 1, 100);
  char buf[64] = {};
  ssize_t n = read(c, buf, sizeof buf - 1);
  close(c);
  for (ssize_t i = 0; i < n; ++i)
    if (buf[i] == '\n') buf[i] = ' ';
  v.escape(what + " accepted a connection from the sandbox" +
           (n > 0 ? " and received '" + std::string(buf, static_cast<std::size_t>(n)) + "'" : std::string()));
}

}  // namespace

std::string hostile_dir() { return env_or("CORDON_ADV_HOSTILE_DIR", CORDON_ADV_HOSTILE_DIR); }
std::string profiles_dir() { return env_or("CORDON_ADV_PROFILES", CORDON_ADV_PROFILES); }

std::string Verdict::describe() const {
  std::ostringstream o;
  for (const auto& e : escapes) o << "\n  NOT CONTAINED: " << e;
  for (const auto& m : misreports) o << "\n  MISREPORTED: " << m;
  return o.str();
}

// --- bait -------------------------------------------------------------------

Bait::Bait(std::string marker, const HostInfo& host) : marker_(std::move(marker)), host_(host) {}

Bait::~Bait() {
  if (victim_ > 0) {
    kill(victim_, SIGKILL);
    waitpid(victim_, nullptr, 0);
  }
  for (int fd : {tcp_, udp_, abstract_, unix_, leak_fd_})
    if (fd >= 0) close(fd);
  if (shm_ >= 0) shmctl(shm_, IPC_RMID, nullptr);
  if (msq_ >= 0) msgctl(msq_, IPC_RMID, nullptr);
  if (!env_name_.empty()) unsetenv(env_name_.c_str());
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string Bait::need_dir() {
  if (dir_.empty()) dir_ = make_temp_dir("cordon-adv-bait-", 0777);
  return dir_;
}

std::string Bait::expand(const std::string& arg) {
  auto value = [&](const std::string& name) -> std::string {
    if (name == "secret") {
      if (secret_path_.empty()) {
        secret_path_ = need_dir() + "/secret.txt";
        secret_text_ = "cordon-adv-secret-" + random_hex();
        write_file(secret_path_, secret_text_ + "\n", 0644);
      }
      return secret_path_;
    }
    if (name == "stdin_file") {
      if (stdin_path_.empty()) {
        stdin_path_ = need_dir() + "/stdin.txt";
        stdin_text_ = "host-stdin-" + marker_ + "\n";
        write_file(stdin_path_, stdin_text_, 0666);
      }
      return stdin_path_;
    }
    if (name == "bait_dir") return need_dir();
    if (name == "launcher_pid") return std::to_string(getpid());
    if (name == "victim_pid") {
      if (victim_ < 0) {
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) < 0) return "0";
        victim_ = fork();
        if (victim_ == 0) {
          // The sandbox's own host ids: the strongest case for isolation.
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          if (geteuid() == 0) {
            (void)setgroups(0, nullptr);
            (void)!setresgid(host_.host_gid, host_.host_gid, host_.host_gid);
            (void)!setresuid(host_.host_uid, host_.host_uid, host_.host_uid);
          }
          (void)!write(ready[1], "r", 1);
          for (;;) pause();
        }
        close(ready[1]);
        char c;
        (void)!read(ready[0], &c, 1);
        close(ready[0]);
      }
      return std::to_string(victim_);
    }
    if (name == "tcp_port" || name == "udp_port") {
      bool tcp = name == "tcp_port";
      int& fd = tcp ? tcp_ : udp_;
      int& port = tcp ? tcp_port_ : udp_port_;
      if (fd < 0) {
        fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || (tcp && listen(fd, 16) < 0) ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0)
          return "0";
        port = ntohs(a.sin_port);
      }
      return std::to_string(port);
    }
    if (name == "abstract") {
      if (abstract_ < 0) {
        abstract_name_ = "cordon-adv-" + marker_;
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path + 1, abstract_name_.data(), abstract_name_.size());
        abstract_ = listen_unix(a, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name_.size()));
      }
      return abstract_name_;
    }
    if (name == "unix_path") {
      if (unix_ < 0) {
        unix_path_ = need_dir() + "/sock";
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", unix_path_.c_str());
        unix_ = listen_unix(a, sizeof a);
        chmod(unix_path_.c_str(), 0777);
      }
      return unix_path_;
    }
    if (name == "shm_id") {
      if (shm_ < 0) {
        shm_ = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
        shm_text_ = "host-shm-" + marker_;
        void* p = shmat(shm_, nullptr, 0);
        if (p != reinterpret_cast<void*>(-1)) {
          std::memcpy(p, shm_text_.c_str(), shm_text_.size() + 1);
          shmdt(p);
        }
      }
      return std::to_string(shm_);
    }
    if (name == "msq_id") {
      if (msq_ < 0) msq_ = msgget(IPC_PRIVATE, IPC_CREAT | 0666);
      return std::to_string(msq_);
    }
    if (name == "leak_fd") {
      if (leak_fd_ < 0) leak_fd_ = open(expand("{secret}").c_str(), O_RDONLY);  // deliberately inheritable
      return std::to_string(leak_fd_);
    }
    if (name == "env_name") {
      if (env_name_.empty()) {
        env_name_ = "CORDON_ADV_LAUNCHER_SECRET";
        env_value_ = "launcher-env-" + random_hex();
        setenv(env_name_.c_str(), env_value_.c_str(), 1);
      }
      return env_name_;
    }
    return "{" + name + "}";
  };
  std::string out;
  std::size_t pos = 0;
  while (pos < arg.size()) {
    std::size_t open = arg.find('{', pos);
    std::size_t close = open == std::string::npos ? open : arg.find('}', open);
    if (close == std::string::npos) {
      out += arg.substr(pos);
      break;
    }
    out += arg.substr(pos, open - pos) + value(arg.substr(open + 1, close - open - 1));
    pos = close + 1;
  }
  return out;
}

void Bait::check(const Result& r, Verdict& v) {
  const std::string output = r.stdout_.data + r.stderr_.data;
  if (!secret_text_.empty()) {
    if (output.find(secret_text_) != std::string::npos) v.escape("the host secret's text appears in the tool's output");
    if (read_file(secret_path_) != secret_text_ + "\n") v.escape("the host secret file was changed");
  }
  if (!stdin_path_.empty() && read_file(stdin_path_) != stdin_text_)
    v.escape("the host file given as stdin was changed");
  if (!env_value_.empty() && output.find(env_value_) != std::string::npos)
    v.escape("the launcher's environment variable " + env_name_ + " reached the tool");
  if (!dir_.empty()) {
    for (const auto& n : list_dir(dir_))
      if (n != "secret.txt" && n != "sock" && n != "stdin.txt")
        v.escape("a new entry appeared in the host bait dir: " + dir_ + "/" + n);
  }
  if (victim_ > 0) {
    int st = 0;
    if (waitpid(victim_, &st, WNOHANG) == victim_) {
      v.escape("the host victim process " + std::to_string(victim_) + " died" +
               (WIFSIGNALED(st) ? " (signal " + std::to_string(WTERMSIG(st)) + ")" : std::string()));
      victim_ = -1;
    }
  }
  check_listener(tcp_, "the host TCP listener on 127.0.0.1:" + std::to_string(tcp_port_), v);
  check_listener(abstract_, "the host abstract socket @" + abstract_name_, v);
  check_listener(unix_, "the host Unix socket " + unix_path_, v);
  if (udp_ >= 0) {
    char buf[64];
    ssize_t n = recv(udp_, buf, sizeof buf, MSG_DONTWAIT);
    if (n >= 0) v.escape("the host UDP socket on 127.0.0.1:" + std::to_string(udp_port_) + " received a datagram");
  }
  if (shm_ >= 0) {
    shmid_ds ds{};
    if (shmctl(shm_, IPC_STAT, &ds) == 0) {
      if (ds.shm_nattch != 0) v.escape("the host shm segment is attached by " + std::to_string(ds.shm_nattch));
      if (ds.shm_lpid != getpid()) v.escape("the host shm segment was attached by pid " + std::to_string(ds.shm_lpid));
    }
    void* p = shmat(shm_, nullptr, SHM_RDONLY);
    if (p != reinterpret_cast<void*>(-1)) {
      if (std::string(static_cast<const char*>(p)) != shm_text_) v.escape("the host shm segment's content changed");
      shmdt(p);
    }
  }
  if (msq_ >= 0) {
    msqid_ds ds{};
    if (msgctl(msq_, IPC_STAT, &ds) == 0 && (ds.msg_qnum != 0 || ds.msg_lspid != 0))
      v.escape("the host message queue received " + std::to_string(ds.msg_qnum) + " message(s)");
  }
}

// --- workspace ----------------------------------------------------------------

Workspace::Workspace(const std::string& program, const std::string& marker) {
  path_ = make_temp_dir("cordon-adv-ws-", 0755);
  tool_bytes_ = read_file(hostile_dir() + "/" + program);
  write_file(path_ + "/tool", tool_bytes_, 0755);
  victim_text_ = "workspace-victim-" + marker + "\n";
  write_file(path_ + "/victim.txt", victim_text_, 0666);
  expected_ = {"tool", "victim.txt"};
}

Workspace::~Workspace() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

std::string Workspace::install_suid_payload() {
  std::string p = path_ + "/suid_payload";
  write_file(p, read_file(hostile_dir() + "/suid_payload"), 0755);
  if (geteuid() == 0) (void)!chown(p.c_str(), 0, 0);
  chmod(p.c_str(), 04755);
  expected_.insert("suid_payload");
  return "/work/suid_payload";
}

void Workspace::check(Verdict& v) const {
  if (tool_bytes_.empty()) v.misreport("the hostile program was not built: " + path_);
  if (read_file(path_ + "/tool") != tool_bytes_) v.escape("the workspace's tool binary was changed");
  if (read_file(path_ + "/victim.txt") != victim_text_) v.escape("the workspace's victim.txt was changed");
  struct stat sb{};
  if (stat((path_ + "/victim.txt").c_str(), &sb) != 0 || (sb.st_mode & 07777) != 0666)
    v.escape("the workspace's victim.txt was removed or its mode changed");
  for (const auto& n : list_dir(path_))
    if (!expected_.count(n)) v.escape("a new entry appeared in the read-only workspace: " + n);
}

// --- profile and run ----------------------------------------------------------

std::shared_ptr<const Profile> strict_profile(const std::function<void(nlohmann::json&)>& tweak) {
  if (!tweak) {
    ProfileLoad load = resolve_profile("strict", {profiles_dir()});
    return load.profile;
  }
  const std::string path = profiles_dir() + "/strict.json";
  nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, /*allow_exceptions=*/false,
                                           /*ignore_comments=*/true);
  if (j.is_discarded()) return nullptr;
  tweak(j);
  return parse_profile(j.dump(), path + " (variant)").profile;
}

AttackRun::AttackRun(const AttackSpec& spec, const std::string& skip,
                     const std::function<void(nlohmann::json&)>& extra_tweak)
    : spec_(spec), marker_(next_marker()) {
  HostInfo host = probe_host();
  ws_ = std::make_unique<Workspace>(spec.program, marker_);
  bait_ = std::make_unique<Bait>(marker_, host);

  std::function<void(nlohmann::json&)> tweak;
  if (spec.profile_tweak || extra_tweak)
    tweak = [&](nlohmann::json& j) {
      if (spec.profile_tweak) spec.profile_tweak(j);
      if (extra_tweak) extra_tweak(j);
    };
  auto profile = strict_profile(tweak);
  if (!profile) {
    result_ = setup_error_result("profile", "cannot load the strict profile from " + profiles_dir(), nullptr);
    return;
  }

  auto expand = [&](std::string a) {
    if (a == "{suid_payload}") return ws_->install_suid_payload();
    const std::string mem = "{memory_mib}";
    for (auto p = a.find(mem); p != std::string::npos; p = a.find(mem))
      a.replace(p, mem.size(), std::to_string(profile->limits.memory_bytes >> 20));
    return bait_->expand(a);
  };
  CallRequest req;
  req.rules = test_rules();
  req.argv = {"/work/tool", marker_};
  for (const auto& a : spec.args) req.argv.push_back(expand(a));
  if (!spec.stdin_path.empty()) req.stdin_path = expand(spec.stdin_path);
  req.workdir = ws_->path();
  req.wall_time_ms = spec.wall_time_ms;
  PlanOutcome plan = make_plan(profile, req, host);
  if (!plan.ok()) {
    std::string detail;
    for (const auto& e : plan.errors) detail += e.to_string() + "; ";
    result_ = setup_error_result("plan", detail, profile.get());
    return;
  }
  RunOptions opts;
  opts.test_skip_control = skip;
  result_ = run_plan(*plan.plan, opts);
}

Verdict AttackRun::verdict() {
  if (verdict_) return *verdict_;
  Verdict v;
  const Result& r = result_;
  if (r.outcome == Outcome::SetupError) {
    v.misreport("the attack never ran: setup_error at step '" + r.setup_step + "': " + r.detail);
  } else {
    for (const std::string* out : {&r.stdout_.data, &r.stderr_.data})
      for (const auto& line : lines_of(*out))
        if (line.rfind("ESCAPED", 0) == 0) v.escape("the tool reports: " + line);
    bait_->check(r, v);
    ws_->check(v);
    if (r.wall_ms >= 8000) v.escape("the call took " + std::to_string(r.wall_ms) + " ms (every call must end within 8000)");
    if (spec_.expect) spec_.expect(r, v);
  }
  verdict_ = v;
  return v;
}

std::string AttackRun::describe() const {
  const Result& r = result_;
  std::ostringstream o;
  o << "attack " << spec_.name << " (" << spec_.cls << "), marker " << marker_ << "\n  outcome=" << outcome_name(r.outcome)
    << " detail='" << r.detail << "' limit_hit='" << r.limit_hit << "'";
  if (r.exit_code) o << " exit=" << *r.exit_code;
  if (r.signal) o << " signal=" << *r.signal;
  o << " wall_ms=" << r.wall_ms << " cpu_ms=" << r.cpu_ms << " peak_memory=" << r.peak_memory_bytes;
  if (!r.setup_step.empty()) o << " setup_step=" << r.setup_step << " errno=" << r.setup_errno;
  for (const auto& d : r.denials)
    o << "\n  denied " << d.syscall << " (nr " << d.nr << ") x" << d.count << " " << d.action
      << (d.action == "errno" ? " " + std::to_string(d.errno_value) : std::string());
  for (const auto& c : r.controls)
    if (!c.applied) o << "\n  control not applied: " << c.name << " (" << c.detail << ")";
  o << "\n  stdout (" << r.stdout_.total_bytes << " bytes):\n" << shorten(r.stdout_.data)
    << "\n  stderr (" << r.stderr_.total_bytes << " bytes):\n" << shorten(r.stderr_.data, 500);
  return o.str();
}

void AttackRun::release() {
  bait_.reset();
  ws_.reset();
}

// --- host health ----------------------------------------------------------------

HostSnapshot HostSnapshot::take() {
  HostSnapshot s;
  for (const auto& line : lines_of(read_file("/proc/self/mountinfo"))) s.mounts.insert(line);
  std::set<std::string> dirs;
  for (const std::string& d : {fs::temp_directory_path().string(), std::string("/var/tmp"), std::string("/dev/shm")}) {
    std::error_code ec;
    fs::path canon = fs::canonical(d, ec);
    if (!ec) dirs.insert(canon.string());
  }
  for (const auto& d : dirs) {
    auto& names = s.temp_entries[d];
    for (const auto& n : list_dir(d)) names.insert(n);
  }
  for (const char* k : {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
                        "/proc/sys/kernel/modprobe", "/proc/sys/vm/overcommit_memory"})
    s.sysctls[k] = read_file(k);
  return s;
}

std::vector<std::string> host_processes_with(const std::string& marker) {
  std::vector<std::string> found;
  const std::string comm_marker = marker.substr(0, 15);
  DIR* d = opendir("/proc");
  if (!d) return {"cannot open /proc"};
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || self == e->d_name) continue;
    std::string base = std::string("/proc/") + e->d_name;
    std::string cmd = read_file(base + "/cmdline");
    for (auto& ch : cmd)
      if (ch == '\0') ch = ' ';
    std::string comm = read_file(base + "/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (cmd.find(marker) != std::string::npos || comm == comm_marker) {
      std::string state;
      for (const auto& line : lines_of(read_file(base + "/status")))
        if (line.rfind("State:", 0) == 0) state = line.substr(6);
      found.push_back("pid " + std::string(e->d_name) + " comm=" + comm + " state=" + state + " cmdline=" + cmd);
    }
  }
  closedir(d);
  return found;
}

std::vector<std::string> host_health(const HostSnapshot& before, const std::string& marker,
                                     const std::set<std::string>& allowed_temp_entries) {
  std::vector<std::string> problems;
  for (const auto& p : host_processes_with(marker)) problems.push_back("process left on the host: " + p);

  HostSnapshot after = HostSnapshot::take();
  for (const auto& m : after.mounts)
    if (!before.mounts.count(m)) problems.push_back("new mount on the host: " + m);

  HostInfo host = probe_host();
  const std::string prefix = std::to_string(getpid()) + "-";
  const CgroupLayout& cg = host.cgroups;
  std::vector<std::string> cg_dirs = {cg.v1_memory, cg.v1_pids, cg.v1_cpu, cg.v1_cpuacct};
  if (!cg.v2_parent.empty()) cg_dirs.push_back(cg.v2_parent + "/cordon");
  for (const auto& dir : cg_dirs) {
    if (dir.empty()) continue;
    for (const auto& n : list_dir(dir))
      if (n.rfind(prefix, 0) == 0) problems.push_back("per-call cgroup left behind: " + dir + "/" + n);
  }

  // New entries in the temp dirs. Other processes on this host (concurrent
  // test suites) create files there too; only entries the sandbox could have
  // made count: owned by the sandbox's host ids (when those differ from
  // ours), or named after the marker.
  const bool ids_differ = host.host_uid != geteuid();
  for (const auto& [dir, names] : after.temp_entries) {
    const auto it = before.temp_entries.find(dir);
    for (const auto& n : names) {
      if ((it != before.temp_entries.end() && it->second.count(n)) || allowed_temp_entries.count(n)) continue;
      struct stat sb{};
      const std::string p = dir + "/" + n;
      if (lstat(p.c_str(), &sb) != 0) continue;  // already gone again
      bool sandbox_made = (ids_differ && (sb.st_uid == host.host_uid || sb.st_gid == host.host_gid)) ||
                          n.find(marker) != std::string::npos || n.find("pwned") != std::string::npos;
      if (sandbox_made) problems.push_back("new file in a host temp dir: " + p + " (uid " + std::to_string(sb.st_uid) + ")");
    }
  }
  for (const auto& [k, v] : before.sysctls)
    if (after.sysctls[k] != v) problems.push_back("host setting changed: " + k + " '" + v + "' -> '" + after.sysctls[k] + "'");
  return problems;
}

const Denial* find_denial(const Result& r, const std::string& syscall) {
  for (const auto& d : r.denials)
    if (d.syscall == syscall) return &d;
  return nullptr;
}

const Control* find_control(const Result& r, const std::string& name) {
  for (const auto& c : r.controls)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace cordon::adv
