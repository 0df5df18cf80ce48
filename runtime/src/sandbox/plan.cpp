// make_plan(): profile + request + host -> SpawnPlan (or all errors at once).
#include <climits>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "child/landlock_abi.h"
#include "child/mount_abi.h"
#include "cordon/filter.h"
#include "cordon/sandbox.h"
#include "sandbox/plan_internal.h"

#include <sched.h>
#include <sys/capability.h>

namespace cordon {

std::string PlanError::to_string() const { return field.empty() ? reason : field + ": " + reason; }

void PlanDeleter::operator()(SpawnPlan* p) const { delete p; }

// Buffers that held secret values are wiped, not just freed.
SpawnPlan::~SpawnPlan() {
  for (std::string* s : secret_strings) explicit_bzero(s->data(), s->size());
  for (GuardedValue& g : guarded) explicit_bzero(g.value.data(), g.value.size());
}

namespace {

using child::MountKind;
using child::MountOp;
namespace ll = child::ll;

constexpr const char* kStaging = "/tmp";
constexpr std::uint64_t kDefaultTmpSize = 64ull << 20;

std::size_t depth(const std::string& p) { return static_cast<std::size_t>(std::count(p.begin(), p.end(), '/')); }

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

std::optional<std::string> real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (realpath(p.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

std::string octal(std::uint32_t mode) {
  std::ostringstream o;
  o << std::oct << mode;
  return o.str();
}

// One mount the plan will make, before flattening into the ChildSpec.
struct PlannedMount {
  MountKind kind;
  std::string source;  // host path / link text
  std::string target;  // inside path
  std::string data;
  bool writable = false;
  bool optional = false;
  std::uint64_t attr = 0;
  bool secrets = false;  // the read-only tmpfs holding granted secret files
};

class Planner {
 public:
  Planner(std::shared_ptr<const Profile> profile, const CallRequest& req, const HostInfo& host)
      : prof_(*profile), req_(req), host_(host), plan_(new SpawnPlan()) {
    plan_->profile = std::move(profile);
    plan_->host = host;
  }

  PlanOutcome build() {
    plan_mounts();
    plan_exec();
    plan_env();
    plan_limits();
    plan_ids();
    plan_landlock();
    plan_seccomp();
    plan_namespaces();
    plan_output();
    plan_required();
    PlanOutcome out;
    if (!errors_.empty()) {
      out.errors = std::move(errors_);
      return out;
    }
    flatten();
    out.plan = PlanPtr(plan_.release());
    return out;
  }

 private:
  void error(std::string field, std::string reason) { errors_.push_back({std::move(field), std::move(reason)}); }
  void control(const std::string& name, bool applied, std::string detail) {
    plan_->controls.push_back(Control{name, applied, std::move(detail)});
  }

  bool target_taken(const std::string& t) const {
    return std::any_of(mounts_.begin(), mounts_.end(), [&](const PlannedMount& m) { return m.target == t; });
  }

  void plan_mounts() {
    // Profile binds; a symlink into another bind is recreated as a symlink.
    std::vector<std::string> real_sources;
    for (std::size_t i = 0; i < prof_.binds.size(); ++i) {
      const BindMount& b = prof_.binds[i];
      auto real = real_path(b.source);
      real_sources.push_back(real.value_or(""));
      if (!real) {
        if (!b.optional)
          error("filesystem.binds[" + std::to_string(i) + "].source", "'" + b.source + "' does not exist on this host");
        continue;
      }
      struct stat lsb{};
      if (lstat(b.source.c_str(), &lsb) == 0 && S_ISLNK(lsb.st_mode) && b.source == b.target) {
        bool inside_other = false;
        for (const auto& o : prof_.binds)
          if (&o != &b && o.source == o.target && under(*real, o.source)) inside_other = true;
        if (inside_other) {
          char link[PATH_MAX];
          ssize_t n = readlink(b.source.c_str(), link, sizeof link - 1);
          if (n > 0) {
            mounts_.push_back({MountKind::Symlink, std::string(link, static_cast<std::size_t>(n)), b.target, "",
                               false, false, 0});
            continue;
          }
        }
      }
      std::uint64_t attr = child::kMountAttrNosuid | child::kMountAttrNodev;
      if (!b.writable) attr |= child::kMountAttrRdonly;
      mounts_.push_back({MountKind::Bind, *real, b.target, "", b.writable, b.optional, attr});
    }

    // The workspace.
    const Workspace& ws = prof_.workspace;
    switch (ws.mode) {
      case WorkspaceMode::None:
        if (req_.workdir) error("workdir", "profile '" + prof_.name + "' has no workspace");
        break;
      case WorkspaceMode::HostRo:
      case WorkspaceMode::HostRw: {
        if (!req_.workdir) {
          error("workdir", "profile '" + prof_.name + "' needs a workspace directory (--workdir)");
          break;
        }
        auto real = real_path(*req_.workdir);
        struct stat sb{};
        if (!real || stat(real->c_str(), &sb) < 0 || !S_ISDIR(sb.st_mode)) {
          error("workdir", "'" + *req_.workdir + "' is not an existing directory");
          break;
        }
        workdir_owner_ = sb.st_uid;
        workdir_group_ = sb.st_gid;
        bool rw = ws.mode == WorkspaceMode::HostRw;
        std::uint64_t attr = child::kMountAttrNosuid | child::kMountAttrNodev | (rw ? 0 : child::kMountAttrRdonly);
        mounts_.push_back({MountKind::Bind, *real, ws.target, "", rw, false, attr});
        break;
      }
      case WorkspaceMode::Tmpfs:
        if (req_.workdir) error("workdir", "profile '" + prof_.name + "' uses a fresh tmpfs workspace");
        mounts_.push_back({MountKind::Tmpfs, "", ws.target,
                           "size=" + std::to_string(ws.tmpfs_size_bytes) + ",mode=0755,uid=" +
                               std::to_string(prof_.uid) + ",gid=" + std::to_string(prof_.gid),
                           true, false, 0});
        break;
    }

    for (const auto& t : prof_.tmpfs)
      mounts_.push_back({MountKind::Tmpfs, "", t.target,
                         "size=" + std::to_string(t.size_bytes) + ",mode=" + octal(t.mode), true, false, 0});
    if (!target_taken("/tmp"))
      mounts_.push_back({MountKind::Tmpfs, "", "/tmp", "size=" + std::to_string(kDefaultTmpSize) + ",mode=1777",
                         true, false, 0});

    plan_secret_mounts();

    mounts_.push_back({MountKind::Proc, "", "/proc", "", false, false, 0});
    mounts_.push_back({MountKind::Tmpfs, "", "/dev", "size=64k,mode=0755", false, false, 0});
    for (const char* d : {"null", "zero", "full", "random", "urandom"})
      mounts_.push_back({MountKind::DevBind, std::string("/dev/") + d, std::string("/dev/") + d, "", true, false,
                         child::kMountAttrNosuid | child::kMountAttrNoexec});
    mounts_.push_back({MountKind::Symlink, "/proc/self/fd", "/dev/fd", "", false, false, 0});
    mounts_.push_back({MountKind::Symlink, "/proc/self/fd/0", "/dev/stdin", "", false, false, 0});
    mounts_.push_back({MountKind::Symlink, "/proc/self/fd/1", "/dev/stdout", "", false, false, 0});
    mounts_.push_back({MountKind::Symlink, "/proc/self/fd/2", "/dev/stderr", "", false, false, 0});

    std::stable_sort(mounts_.begin(), mounts_.end(),
                     [](const PlannedMount& a, const PlannedMount& b) { return depth(a.target) < depth(b.target); });
    if (mounts_.size() > child::kMaxMounts) error("filesystem", "too many mounts");
  }

  // The profile's secret grants with the values the caller supplied: files
  // get one read-only tmpfs per directory (no other mount may overlap it),
  // variables are added in plan_env().
  void plan_secret_mounts() {
    std::set<std::string> supplied;
    for (std::size_t i = 0; i < req_.secrets.size(); ++i) {
      const SecretValue& v = req_.secrets[i];
      const std::string field = "secrets[" + std::to_string(i) + "]";
      const bool granted = std::any_of(prof_.secrets.begin(), prof_.secrets.end(),
                                       [&](const SecretGrant& g) { return g.name == v.name; });
      if (!granted) {
        error(field, "profile '" + prof_.name + "' does not grant secret '" + v.name + "'");
        continue;
      }
      if (!supplied.insert(v.name).second) error(field, "secret '" + v.name + "' is given twice");
      if (v.value.size() < 4) error(field, "secret '" + v.name + "' is shorter than 4 bytes: too short to keep out of the output");
    }
    std::set<std::string> dirs;
    for (const SecretGrant& g : prof_.secrets) {
      if (g.file.empty() || !supplied.count(g.name)) continue;
      const std::string dir = g.file.substr(0, g.file.rfind('/'));
      if (!dirs.insert(dir).second) continue;
      for (const auto& m : mounts_)
        if (under(m.target, dir) || under(dir, m.target))
          error("secrets", "the secret directory '" + dir + "' overlaps the mount at '" + m.target + "'");
      mounts_.push_back({MountKind::Tmpfs, "", dir,
                         "size=256k,nr_inodes=64,mode=0500,uid=" + std::to_string(prof_.uid) + ",gid=" +
                             std::to_string(prof_.gid),
                         false, false, 0, true});
    }
    if (dirs.count("/tmp")) error("secrets", "secret files may not live directly in /tmp");
  }

  // Maps a path inside the sandbox to the host path it shows, following the
  // plan's symlinks; nullopt when it is on a tmpfs or not visible.
  std::optional<std::string> inside_to_host(std::string path, bool& on_tmpfs) const {
    on_tmpfs = false;
    for (int hops = 0; hops < 16; ++hops) {
      const PlannedMount* best = nullptr;
      for (const auto& m : mounts_)
        if (under(path, m.target) && (!best || m.target.size() > best->target.size())) best = &m;
      if (!best) return std::nullopt;
      std::string rest = path.substr(best->target.size());
      if (best->kind == MountKind::Bind) return best->source + rest;
      if (best->kind != MountKind::Symlink) {
        on_tmpfs = true;
        return std::nullopt;
      }
      std::string link = best->source;
      if (link.empty() || link[0] != '/') {
        std::string dir = best->target.substr(0, best->target.rfind('/'));
        link = (dir.empty() ? "" : dir) + "/" + link;
      }
      path = std::filesystem::path(link + rest).lexically_normal().string();
    }
    return std::nullopt;
  }

  void plan_exec() {
    if (req_.argv.empty()) {
      error("argv", "no command given");
      return;
    }
    const std::string& a0 = req_.argv[0];
    std::string chosen;
    if (a0.find('/') != std::string::npos) {
      if (std::find(prof_.exec.begin(), prof_.exec.end(), a0) != prof_.exec.end()) chosen = a0;
    } else {
      for (const auto& e : prof_.exec)
        if (e.substr(e.rfind('/') + 1) == a0) {
          chosen = e;
          break;
        }
    }
    if (chosen.empty()) {
      std::string allowed;
      for (const auto& e : prof_.exec) allowed += (allowed.empty() ? "" : ", ") + e;
      error("argv[0]", "'" + a0 + "' is not an executable this profile allows (" + allowed + ")");
      return;
    }
    bool on_tmpfs = false;
    auto host = inside_to_host(chosen, on_tmpfs);
    if (!on_tmpfs) {
      struct stat sb{};
      if (!host || stat(host->c_str(), &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 0111) == 0) {
        error("argv[0]", "'" + chosen + "' is not an executable file inside the sandbox");
        return;
      }
    }
    plan_->spec.exec_path = plan_->keep(chosen);
    for (const auto& a : req_.argv) {
      if (a.find('\0') != std::string::npos) {
        error("argv", "argument contains a NUL byte");
        return;
      }
      plan_->argv.push_back(const_cast<char*>(plan_->keep(a)));
    }
    plan_->argv.push_back(nullptr);
  }

  void plan_env() {
    std::vector<std::pair<std::string, std::string>> env(prof_.env.set.begin(), prof_.env.set.end());
    if (!prof_.env.set.count("PATH")) env.emplace_back("PATH", "/usr/local/bin:/usr/bin:/bin");
    std::set<std::string> allowed(prof_.env.pass.begin(), prof_.env.pass.end());
    for (const auto& [k, v] : req_.env) {
      bool name_ok = !k.empty() && k.find('=') == std::string::npos && k.find('\0') == std::string::npos;
      if (!name_ok) {
        error("env", "invalid variable name '" + k + "'");
        continue;
      }
      if (!allowed.count(k)) {
        error("env." + k, "profile '" + prof_.name + "' does not let callers pass this variable");
        continue;
      }
      if (v.find('\0') != std::string::npos) {
        error("env." + k, "value contains a NUL byte");
        continue;
      }
      const std::string& name = k;
      auto it = std::find_if(env.begin(), env.end(), [&](const auto& p) { return p.first == name; });
      if (it != env.end())
        it->second = v;
      else
        env.emplace_back(k, v);
    }
    for (const auto& [k, v] : env) plan_->envp.push_back(const_cast<char*>(plan_->keep(k + "=" + v)));
    // Granted secrets: variables here, files through the child's spec.
    for (const SecretValue& v : req_.secrets) {
      auto g = std::find_if(prof_.secrets.begin(), prof_.secrets.end(),
                            [&](const SecretGrant& x) { return x.name == v.name; });
      if (g == prof_.secrets.end()) continue;  // reported in plan_secret_mounts
      if (!g->env.empty()) {
        if (v.value.find('\0') != std::string::npos) {
          error("secrets." + v.name, "a secret delivered as a variable may not contain a NUL byte");
          continue;
        }
        std::string entry = g->env + "=";
        entry += v.value;
        plan_->envp.push_back(const_cast<char*>(plan_->keep_secret(std::move(entry))));
        plan_->granted.push_back(GrantedSecret{v.name, "env:" + g->env, v.fingerprint});
      } else {
        auto& sp = plan_->spec;
        if (sp.n_secret_files >= child::kMaxSecretFiles) {
          error("secrets", "more than " + std::to_string(child::kMaxSecretFiles) + " secret files");
          continue;
        }
        const char* data = plan_->keep_secret(v.value);
        sp.secret_files[sp.n_secret_files++] =
            child::SecretFile{plan_->keep(std::string(kStaging) + g->file), data, v.value.size()};
        plan_->granted.push_back(GrantedSecret{v.name, "file:" + g->file, v.fingerprint});
      }
    }
    plan_->envp.push_back(nullptr);
  }

  void plan_limits() {
    Limits l = prof_.limits;
    if (req_.wall_time_ms) {
      if (*req_.wall_time_ms == 0 || *req_.wall_time_ms > l.wall_time_ms)
        error("timeout", "must be between 1 ms and the profile's wall_time (" + std::to_string(l.wall_time_ms) + " ms)");
      else
        l.wall_time_ms = *req_.wall_time_ms;
    }
    plan_->limits = l;
    plan_->wall_ms = l.wall_time_ms;
    plan_->cgroup_limits = CgroupLimits{l.memory_bytes, l.pids, l.cpu_cores};

    auto& sp = plan_->spec;
    auto add = [&](int res, std::uint64_t soft, std::uint64_t hard) {
      sp.rlimits[sp.n_rlimits++] = child::Rlimit{res, soft, hard};
    };
    std::string detail;
    add(RLIMIT_CORE, 0, 0);
    detail += "core=0";
    if (l.open_files > 0) {
      add(RLIMIT_NOFILE, l.open_files, l.open_files);
      detail += " nofile=" + std::to_string(l.open_files);
    }
    if (l.file_size_bytes > 0) {
      add(RLIMIT_FSIZE, l.file_size_bytes, l.file_size_bytes);
      detail += " fsize=" + std::to_string(l.file_size_bytes);
    }
    if (l.cpu_time_ms > 0) {
      std::uint64_t s = (l.cpu_time_ms + 999) / 1000;
      add(RLIMIT_CPU, s, s + 1);
      detail += " cpu=" + std::to_string(s) + "s";
    }
    control("rlimits", true, detail);

    plan_->stdin_path = req_.stdin_path;
    plan_->stdin_data = req_.stdin_data;
    if (req_.stdin_path && req_.stdin_data) error("stdin", "give either a stdin file or stdin data, not both");
  }

  void plan_ids() {
    auto& sp = plan_->spec;
    sp.uid = prof_.uid;
    sp.gid = prof_.gid;
    if (host_.euid == 0) {
      plan_->host_uid = host_.host_uid;
      plan_->host_gid = host_.host_gid;
      // A writable host workspace owned by a regular user: act as that user
      // so the tool can write there (never as root).
      if (prof_.workspace.mode == WorkspaceMode::HostRw && workdir_owner_ && *workdir_owner_ != 0) {
        plan_->host_uid = *workdir_owner_;
        if (workdir_group_ && *workdir_group_ != 0) plan_->host_gid = *workdir_group_;
      }
      plan_->deny_setgroups = false;
      sp.clear_groups = true;
      control("clear_groups", true, "supplementary groups dropped");
    } else {
      plan_->host_uid = host_.euid;
      plan_->host_gid = host_.egid;
      plan_->deny_setgroups = true;
      sp.clear_groups = false;
      control("clear_groups", false, "unprivileged launcher: its supplementary groups cannot be dropped");
    }
    control("uid_map", true,
            std::to_string(sp.uid) + "->" + std::to_string(plan_->host_uid) + " gid " + std::to_string(sp.gid) +
                "->" + std::to_string(plan_->host_gid) + " (nothing maps to host root)");
    int last = static_cast<int>(cap_max_bits()) - 1;
    sp.last_cap = last > 0 ? last : CAP_LAST_CAP;
    control("capabilities", true, "all " + std::to_string(sp.last_cap + 1) + " dropped from every set; securebits locked");
    control("no_new_privs", true, "");
    control("setsid", true, "new session, no controlling terminal");
    control("close_fds", true, "only 0, 1, 2 reach the tool");
    sp.hostname = plan_->keep(prof_.hostname);
    sp.cwd = plan_->keep(prof_.workspace.mode == WorkspaceMode::None ? "/" : prof_.workspace.target);
  }

  void plan_landlock() {
    auto& sp = plan_->spec;
    int abi = host_.landlock_abi;
    if (abi <= 0) {
      control("landlock", false, "not supported by this kernel");
      return;
    }
    std::uint64_t all = child::landlock_fs_rights(abi);
    const std::uint64_t ro = ll::kExecute | ll::kReadFile | ll::kReadDir;
    sp.landlock_abi = abi;
    sp.landlock_handled_fs = all;
    sp.landlock_scoped = abi >= 6 ? (ll::kScopeAbstractUnix | ll::kScopeSignal) : 0;
    auto rule = [&](const std::string& path, std::uint64_t access) {
      if (sp.n_landlock_rules < child::kMaxLandlockRules)
        sp.landlock_rules[sp.n_landlock_rules++] = child::LandlockRule{plan_->keep(path), access};
    };
    rule("/", ll::kReadDir);
    for (const auto& m : mounts_) {
      switch (m.kind) {
        case MountKind::Bind: rule(m.target, m.writable ? all : ro); break;
        case MountKind::Tmpfs:
          rule(m.target, m.writable ? all : m.secrets ? (ll::kReadFile | ll::kReadDir) : ll::kReadDir);
          break;
        case MountKind::Proc: rule(m.target, ll::kReadFile | ll::kReadDir | ll::kWriteFile); break;
        case MountKind::DevBind:
          rule(m.target, ll::kReadFile | ll::kWriteFile | ll::kTruncate | ll::kIoctlDev);
          break;
        case MountKind::Symlink: break;
      }
    }
    control("landlock", true,
            "abi " + std::to_string(abi) + ", " + std::to_string(sp.n_landlock_rules) + " path rules" +
                (abi >= 6 ? ", abstract-unix and signal scoping" : ""));
  }

  void plan_seccomp() {
    SeccompBuild b = build_seccomp_policy(prof_.syscalls);
    for (auto& e : b.errors) {
      auto colon = e.find(": ");
      error(colon == std::string::npos ? "syscalls" : e.substr(0, colon),
            colon == std::string::npos ? e : e.substr(colon + 2));
    }
    if (!b.errors.empty()) return;
    plan_->seccomp = std::move(b.policy);
    control("seccomp", true,
            std::to_string(plan_->seccomp.rule_count) + " deny rules, " +
                std::to_string(plan_->seccomp.program.size()) +
                " BPF instructions, user-notify supervisor, foreign architectures killed");
  }

  void plan_namespaces() {
    unsigned long f = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    control("user_ns", true, "");
    control("pid_ns", true, "minimal init is pid 1; the tree dies when the tool exits");
    control("mount_ns", true, "");
    if (prof_.network == NetworkMode::None) {
      f |= CLONE_NEWNET;
      control("net_ns", true, "loopback only");
    } else {
      control("net_ns", false, "dangerous_host_network: shares the host network");
    }
    plan_->spec.loopback = prof_.network == NetworkMode::None;
    control("ipc_ns", true, "");
    control("uts_ns", true, "hostname " + prof_.hostname);
    control("cgroup_ns", true, "");
    control("pivot_root", true, "tmpfs root, old root detached, read-only");
    control("proc", true, "fresh /proc; /proc/sys read-only");
    control("dev", true, "null zero full random urandom");
    plan_->clone_flags = f;
    plan_->dangerous = prof_.dangerous_opt_ins();
  }

  void plan_output() {
    if (!req_.rules) {
      error("output", "no output-filter rules: nothing a tool prints may leave unfiltered");
      return;
    }
    plan_->rules = req_.rules;
    for (std::size_t i = 0; i < req_.guarded.size(); ++i) {
      const GuardedValue& g = req_.guarded[i];
      if (g.value.size() < 4)
        error("guarded[" + std::to_string(i) + "]", "value of '" + g.name +
                                                        "' is shorter than 4 bytes: too short to keep out of the output");
    }
    plan_->guarded = req_.guarded;
    for (const SecretValue& v : req_.secrets) plan_->guarded.push_back(GuardedValue{v.name, v.value});
    const OutputPolicy& o = prof_.output;
    std::string detail = "rules " + req_.rules->version() + ", " + std::to_string(req_.rules->rules().size()) + " rules";
    detail += o.redact ? ", redact" : ", DETECT ONLY (dangerous_disable_redaction)";
    if (!o.pii) detail += ", no pii";
    detail += ", max class " + o.max_data_class;
    detail += std::string(", injection ") +
              (o.injection == InjectionAction::Flag ? "flag" : o.injection == InjectionAction::Withhold ? "withhold" : "off");
    if (!plan_->guarded.empty()) detail += ", " + std::to_string(plan_->guarded.size()) + " guarded values";
    control("output_filter", true, detail);
  }

  void plan_required() {
    plan_->required = prof_.require;
    for (const auto& r : prof_.require) {
      for (const auto& c : plan_->controls)
        if (c.name == r && !c.applied) error("require", "required control '" + r + "' is unavailable: " + c.detail);
    }
  }

  void flatten() {
    auto& sp = plan_->spec;
    for (const auto& m : mounts_)
      if (m.kind == MountKind::Bind && m.writable) plan_->disk_watch.push_back(m.source);
    if (!plan_->disk_watch.empty() && prof_.limits.disk_bytes > 0)
      control("disk_limit", true,
              std::to_string(prof_.limits.disk_bytes) + " bytes of free space on writable host mounts");
    sp.staging = kStaging;
    sp.root_options = "size=1m,mode=0755";
    for (const auto& m : mounts_) {
      MountOp& op = sp.mounts[sp.n_mounts++];
      op.kind = m.kind;
      op.source = m.source.empty() ? nullptr : plan_->keep(m.source);
      op.target = plan_->keep(std::string(kStaging) + m.target);
      op.data = m.data.empty() ? nullptr : plan_->keep(m.data);
      op.writable = m.writable;
      op.optional = m.optional;
      op.attr_set = m.attr;
    }
    sp.argv = plan_->argv.data();
    sp.envp = plan_->envp.data();
    sp.seccomp = true;
    sp.seccomp_prog.len = static_cast<unsigned short>(plan_->seccomp.program.size());
    sp.seccomp_prog.filter = plan_->seccomp.program.data();
  }

  const Profile& prof_;
  const CallRequest& req_;
  const HostInfo& host_;
  std::unique_ptr<SpawnPlan> plan_;
  std::vector<PlannedMount> mounts_;
  std::vector<PlanError> errors_;
  std::optional<uid_t> workdir_owner_;
  std::optional<gid_t> workdir_group_;
};

}  // namespace

PlanOutcome make_plan(std::shared_ptr<const Profile> profile, const CallRequest& req, const HostInfo& host) {
  if (!profile) return PlanOutcome{nullptr, {{"profile", "no profile"}}};
  return Planner(std::move(profile), req, host).build();
}

}  // namespace cordon
