#include "attacks.h"

#include "cordon/filter.h"

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

namespace cordon::adv {
namespace {

using Expect = std::function<void(const Result&, Verdict&)>;

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// An expected line as it reaches the result: through the output filter
// (IP addresses, for example, come back as [REDACTED:ipv4-address]).
bool has_line(const std::string& out, const std::string& line) {
  if (has(out, line)) return true;
  static const std::shared_ptr<const RuleSet> rules = RuleSet::load_default();  // only when needed
  return has(out, filter_all(rules, line));
}

Expect all(std::vector<Expect> es) {
  return [es](const Result& r, Verdict& v) {
    for (const auto& e : es) e(r, v);
  };
}

void expect_outcome(const Result& r, Verdict& v, Outcome want) {
  if (r.outcome != want)
    v.misreport(std::string("outcome is ") + outcome_name(r.outcome) + " (" + r.detail + "), expected " +
                outcome_name(want));
}

// The syscall is on the deny list with action kill: the call is a violation,
// the denial is listed by name, and the program never got past it.
Expect violation(std::string syscall) {
  return [syscall](const Result& r, Verdict& v) {
    expect_outcome(r, v, Outcome::Violation);
    const Denial* d = find_denial(r, syscall);
    if (!d) {
      v.misreport("result.denials does not name " + syscall);
    } else {
      if (d->action != "kill") v.misreport("denial " + syscall + " has action " + d->action + ", expected kill");
      if (d->count < 1) v.misreport("denial " + syscall + " has count 0");
    }
    if (r.signal != SIGKILL) v.misreport("the tool did not end with SIGKILL");
    if (!has(r.stdout_.data, "try: ")) v.misreport("the program never reached its attempt");
    if (has(r.stdout_.data, "RESULT:")) v.escape("the program continued after the denied " + syscall);
  };
}

// The attempt failed inside the sandbox, the program printed each of
// `lines`, and it ended normally. `errno_denials` are the syscalls the result
// must list with action errno; nothing else may be listed.
Expect blocked(std::vector<std::string> lines, std::vector<std::string> errno_denials = {}) {
  return [lines, errno_denials](const Result& r, Verdict& v) {
    expect_outcome(r, v, Outcome::Ok);
    if (!has(r.stdout_.data, "RESULT: contained")) v.misreport("the program did not finish with 'RESULT: contained'");
    for (const auto& l : lines)
      if (!has_line(r.stdout_.data, l)) v.misreport("expected output line missing: '" + l + "'");
    std::set<std::string> want(errno_denials.begin(), errno_denials.end());
    for (const auto& d : r.denials) {
      if (!want.count(d.syscall)) {
        v.misreport("unexpected denial " + d.syscall + " (" + d.action + ")");
      } else if (d.action != "errno") {
        v.misreport("denial " + d.syscall + " has action " + d.action + ", expected errno");
      }
    }
    for (const auto& s : errno_denials)
      if (!find_denial(r, s)) v.misreport("result.denials does not list " + s);
  };
}

// A resource limit stopped the call and the result names it.
Expect limit(Outcome o, std::string limit_hit) {
  return [o, limit_hit](const Result& r, Verdict& v) {
    expect_outcome(r, v, o);
    if (r.limit_hit != limit_hit) v.misreport("limit_hit is '" + r.limit_hit + "', expected '" + limit_hit + "'");
    if (r.signal != SIGKILL) v.misreport("the tool did not end with SIGKILL");
    // The kernel's OOM killer may end a lone tool before the supervisor
    // sees the event: then nothing was left to contain and contain_us is 0.
    if (r.contain_us == 0 && limit_hit != "memory") v.misreport("contain_us is 0 for a call that was killed");
  };
}

Expect wall_below(std::uint64_t ms) {
  return [ms](const Result& r, Verdict& v) {
    if (r.wall_ms >= ms) v.escape("the call took " + std::to_string(r.wall_ms) + " ms, expected under " + std::to_string(ms));
  };
}

// The number after `prefix` in the output (-1 when absent).
long number_after(const std::string& out, const std::string& prefix) {
  auto p = out.find(prefix);
  if (p == std::string::npos) return -1;
  return std::strtol(out.c_str() + p + prefix.size(), nullptr, 10);
}

Expect output_flood(const std::string& stream) {
  return all({limit(Outcome::OutputLimit, stream), [stream](const Result& r, Verdict& v) {
                const OutputStream& s = stream == "stdout" ? r.stdout_ : r.stderr_;
                const OutputStream& other = stream == "stdout" ? r.stderr_ : r.stdout_;
                if (s.data.size() != 64u * 1024u)
                  v.escape(stream + " kept " + std::to_string(s.data.size()) + " bytes, the cap is 65536");
                if (!s.truncated) v.misreport(stream + " is not marked truncated");
                if (s.total_bytes <= 64u * 1024u) v.misreport(stream + " total_bytes does not show the flood");
                if (!other.data.empty()) v.misreport("the other stream has output");
              }});
}

Expect setuid_binaries_held() {
  return [](const Result& r, Verdict& v) {
    expect_outcome(r, v, Outcome::Ok);
    int tried = 0;
    for (const char* path : {"/usr/bin/su", "/usr/bin/passwd"}) {
      struct stat sb{};
      if (stat(path, &sb) != 0 || !(sb.st_mode & S_ISUID) || sb.st_uid != 0) continue;
      ++tried;
      if (!has(r.stdout_.data, std::string("held: ") + path + " runs as"))
        v.misreport(std::string("no evidence of the euid ") + path + " ran with");
    }
    if (tried == 0) v.misreport("this host has no setuid-root su or passwd to try");
    if (!has(r.stdout_.data, "RESULT: contained")) v.misreport("the program did not finish");
  };
}

// Kernel memory the tool pins in TCP buffers is memory of the call: either
// the writes stall within the limit ("held:"), or the call ends with
// memory_limit.
Expect tcp_buffers_within_limit() {
  return [](const Result& r, Verdict& v) {
    if (has(r.stdout_.data, "ESCAPED:")) {
      HostInfo host = probe_host();
      if (host.cgroups.version == 1)
        v.escape(
            "RUNTIME CONTAINMENT GAP (cgroup v1): runtime/src/sandbox/cgroup.cpp sets memory.limit_in_bytes and "
            "memory.memsw.limit_in_bytes but not memory.kmem.tcp.limit_in_bytes, so TCP socket buffers are not "
            "charged to the call's memory cgroup: the tool pins more kernel memory than the profile's limit, and "
            "the result reports peak_memory_bytes=" + std::to_string(r.peak_memory_bytes) + ", outcome " +
            outcome_name(r.outcome));
      return;
    }
    if (r.outcome == Outcome::MemoryLimit) {
      if (r.limit_hit != "memory") v.misreport("memory_limit without limit_hit 'memory'");
    } else {
      expect_outcome(r, v, Outcome::Ok);
      if (!has(r.stdout_.data, "held: TCP buffers stayed within the memory limit"))
        v.misreport("the program did not report its TCP buffers");
    }
  };
}

Expect int80() {
  // Without ia32 emulation the kernel faults int 0x80 (SIGSEGV) before
  // seccomp sees it; with it, the filter kills it as a foreign architecture.
  return [](const Result& r, Verdict& v) {
    if (has(r.stdout_.data, "RESULT:")) v.escape("the program continued after int 0x80");
    if (r.outcome == Outcome::Violation) {
      if (r.denials.size() != 1 || r.denials[0].syscall.rfind("i386:", 0) != 0)
        v.misreport("a violation, but the denial is not named i386:*");
    } else if (r.outcome != Outcome::Signaled || r.signal != SIGSEGV) {
      v.misreport(std::string("outcome ") + outcome_name(r.outcome) + ", expected violation (i386:*) or SIGSEGV");
    }
  };
}

Expect leak_env_clean() {
  return [](const Result& r, Verdict& v) {
    std::set<std::string> env;
    std::istringstream in(r.stdout_.data);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("env: ", 0) == 0) env.insert(line.substr(5));
    const std::set<std::string> want = {"HOME=/tmp", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"};
    if (env != want) {
      std::string got;
      for (const auto& e : env) got += e + " ";
      v.escape("the tool's environment is not exactly the profile's: " + got);
    }
  };
}

Expect host_network_variant() {
  return [](const Result& r, Verdict& v) {
    bool listed = false;
    for (const auto& d : r.dangerous_opt_ins) listed |= d == "dangerous_host_network";
    if (!listed) v.misreport("dangerous_opt_ins does not list dangerous_host_network");
    const Control* net = find_control(r, "net_ns");
    if (!net || net->applied) v.misreport("the net_ns control is not reported as not applied");
    const Control* ll = find_control(r, "landlock");
    if (!ll || !ll->applied) v.misreport("landlock is not reported as applied");
  };
}

Expect controls_applied(std::vector<std::string> names) {
  return [names](const Result& r, Verdict& v) {
    for (const auto& n : names) {
      const Control* c = find_control(r, n);
      if (!c || !c->applied) v.misreport("control " + n + " is not reported as applied");
    }
  };
}

std::vector<AttackSpec> build() {
  std::vector<AttackSpec> t;
  auto add = [&](std::string program, std::string cls, std::vector<std::string> args, Expect expect) -> AttackSpec& {
    AttackSpec a;
    a.name = program;
    a.program = std::move(program);
    a.cls = std::move(cls);
    a.args = std::move(args);
    a.expect = std::move(expect);
    t.push_back(std::move(a));
    return t.back();
  };
  const std::string E2 = "errno=2 (ENOENT)", E13 = "errno=13 (EACCES)", E30 = "errno=30 (EROFS)",
                    E18 = "errno=18 (EXDEV)", E3 = "errno=3 (ESRCH)", E1 = "errno=1 (EPERM)",
                    E22 = "errno=22 (EINVAL)";

  // --- host files ------------------------------------------------------------
  add("fs_read_host_path", "host files", {"{secret}"},
      blocked({"blocked: read host secret by absolute path: " + E2, "blocked: stat host secret: " + E2}));
  add("fs_write_host_path", "host files", {"{bait_dir}"},
      blocked({"blocked: create file in host dir: " + E2, "blocked: mkdir in host dir: " + E2}));
  add("fs_symlink_tmp", "host files", {"{secret}", "{bait_dir}"},
      blocked({"blocked: read host secret through /tmp symlink: " + E2,
               "blocked: read host secret through /tmp symlink to /proc/1/root: " + E13,
               "blocked: read host secret through /tmp symlink to ../..: " + E2,
               "blocked: create host file through dangling /tmp symlink: " + E2}));
  add("fs_hardlink", "host files", {"{secret}"},
      blocked({"blocked: hard link host secret into /tmp: " + E2, "blocked: hard link workspace file into /tmp: " + E18,
               "blocked: hard link inside read-only workspace: " + E30,
               "blocked: hard link setuid binary into /tmp: " + E18}));
  add("fs_dotdot", "host files", {"{secret}"},
      blocked({"blocked: read host secret via /work/../..: " + E2, "info: cwd after climbing: /\n",
               "blocked: read host secret relative to climbed cwd: " + E2,
               "blocked: openat(/work fd, ../..<secret>): " + E2}));
  add("fs_proc_root", "host files", {"{secret}"},
      blocked({"blocked: read host secret via /proc/1/root: " + E13, "blocked: read /proc/1/root/etc/shadow: " + E13,
               "blocked: read host secret via /proc/self/root: " + E2}));
  add("fs_proc_cwd", "host files", {"{secret}"},
      blocked({"blocked: read host secret via /proc/1/cwd: " + E13, "blocked: list /proc/1/cwd: " + E13,
               "blocked: read host secret via /proc/self/cwd: " + E2}));
  add("fs_proc1_exe", "host files", {},
      blocked({"blocked: readlink /proc/1/exe: " + E13, "blocked: open /proc/1/exe for reading: " + E13,
               "blocked: open /proc/1/exe for writing: " + E13, "blocked: read /proc/1/environ: " + E13}));
  add("fs_proc_self_exe", "host files", {},
      blocked({"blocked: open /proc/self/exe for writing: " + E13, "blocked: open /work/tool for writing: " + E13,
               "blocked: unlink /work/tool: " + E30}));
  add("fs_ro_workspace", "host files", {},
      blocked({"blocked: truncate /work/victim.txt: " + E30, "blocked: create a file in /work: " + E30,
               "blocked: mkdir in /work: " + E30, "blocked: chmod /work/victim.txt: " + E30,
               "blocked: truncate() /work/victim.txt: " + E30, "blocked: rename /work/victim.txt: " + E30,
               "blocked: utimes /work/victim.txt: " + E30}));
  {
    AttackSpec& a = add("fs_reopen_stdin", "host files", {},
                        blocked({"blocked: reopen stdin for writing via /proc/self/fd/0: " + E13,
                                 "blocked: reopen stdin read-write via /proc/self/fd/0: " + E13}));
    a.stdin_path = "{stdin_file}";
  }
  add("fs_host_system_files", "host files", {},
      blocked({"blocked: read /etc/shadow: " + E2, "blocked: read /etc/passwd: " + E2, "blocked: list /root: " + E2,
               "blocked: list /home: " + E2, "blocked: list /var: " + E2}));

  // --- host processes ---------------------------------------------------------
  add("proc_signal_host", "host processes", {"{launcher_pid}", "{victim_pid}"},
      blocked({"blocked: kill -0 launcher: " + E3, "blocked: SIGKILL host victim: " + E3,
               "blocked: pidfd_open host victim: " + E3}));
  add("proc_kill_all", "host processes", {"{victim_pid}"}, blocked({"blocked: kill(-1, SIGKILL): " + E3}));
  add("proc_scan", "host processes", {"{launcher_pid}"},
      blocked({"info: visible pids: 1 2\n", "held: 2 processes visible"}));
  add("proc_ptrace", "host processes", {}, violation("ptrace"));
  add("proc_vm_readv", "host processes", {}, violation("process_vm_readv"));
  add("proc_pidfd_getfd", "host processes", {}, violation("pidfd_getfd"));

  // --- network ------------------------------------------------------------------
  add("net_tcp_loopback", "network", {"{tcp_port}"},
      blocked({"blocked: connect to host 127.0.0.1 listener: errno=111 (ECONNREFUSED)"}));
  add("net_udp_loopback", "network", {"{udp_port}"}, blocked({"errno=111 (ECONNREFUSED)"}));
  add("net_external", "network", {},
      blocked({"held: interface lo", "blocked: connect to 192.0.2.1:80: errno=101 (ENETUNREACH)",
               "blocked: connect to 1.1.1.1:53: errno=101 (ENETUNREACH)"}));
  add("net_abstract_unix", "network", {"{abstract}"},
      blocked({"blocked: connect to the host's abstract socket: errno=111 (ECONNREFUSED)"}));
  {
    AttackSpec& a = add("net_abstract_unix", "network", {"{abstract}"},
                        all({blocked({"blocked: connect to the host's abstract socket: " + E1}), host_network_variant()}));
    a.name = "net_abstract_unix_hostnet";
    a.profile_tweak = [](nlohmann::json& j) { j["network"] = "dangerous_host_network"; };
  }
  add("net_path_unix", "network", {"{unix_path}"}, blocked({"blocked: connect to the host's path socket: " + E2}));
  add("net_raw_sockets", "network", {},
      blocked({"blocked: socket(AF_PACKET, SOCK_RAW): errno=97 (EAFNOSUPPORT)",
               "blocked: socket(AF_NETLINK, NETLINK_ROUTE): errno=97 (EAFNOSUPPORT)",
               "blocked: socket(AF_INET, SOCK_RAW): " + E1},
              {"socket"}));

  // --- SysV IPC -------------------------------------------------------------------
  add("ipc_sysv_shm", "ipc", {"{shm_id}"},
      blocked({"blocked: shmctl(IPC_STAT) of the host segment: " + E22, "blocked: shmat the host segment: " + E22}));
  add("ipc_sysv_msg", "ipc", {"{msq_id}"}, blocked({"blocked: msgsnd to the host queue: " + E22}));

  // --- kernel attack surface: denied syscalls (action kill) -------------------------
  const std::vector<std::pair<std::string, std::string>> killed = {
      {"sys_mount", "mount"},
      {"sys_fsopen", "fsopen"},
      {"sys_umount", "umount2"},
      {"sys_pivot_root", "pivot_root"},
      {"sys_chroot", "chroot"},
      {"sys_unshare_userns", "unshare"},
      {"sys_clone_userns", "clone"},
      {"sys_setns", "setns"},
      {"sys_keyctl", "keyctl"},
      {"sys_add_key", "add_key"},
      {"sys_bpf", "bpf"},
      {"sys_perf_event_open", "perf_event_open"},
      {"sys_userfaultfd", "userfaultfd"},
      {"sys_io_uring", "io_uring_setup"},
      {"sys_kexec_load", "kexec_load"},
      {"sys_init_module", "init_module"},
      {"sys_finit_module", "finit_module"},
      {"sys_open_by_handle_at", "open_by_handle_at"},
      {"sys_tiocsti", "ioctl"},
      {"sys_tiocsti_high", "ioctl"},
      {"sys_personality", "personality"},
      {"sys_clock_settime", "clock_settime"},
      {"sys_reboot", "reboot"},
      {"sys_syslog", "syslog"},
      {"sys_iopl", "iopl"},
  };
  for (const auto& [program, syscall] : killed) {
    std::string cls = program == "sys_unshare_userns" || program == "sys_clone_userns" || program == "sys_setns"
                          ? "namespaces"
                      : program == "sys_mount" || program == "sys_fsopen" || program == "sys_umount" ||
                              program == "sys_pivot_root" || program == "sys_chroot"
                          ? "mounts"
                          : "kernel attack surface";
    add(program, cls, {}, violation(syscall));
  }
  add("sys_clone3_userns", "namespaces", {}, blocked({"blocked: clone3(CLONE_NEWUSER): errno=38 (ENOSYS)"}));

  // --- privileges -------------------------------------------------------------------
  add("cap_setuid_root", "privileges", {},
      blocked({"blocked: setuid(0): " + E22, "blocked: setresuid(0, 0, 0): " + E22, "blocked: setgid(0): " + E22,
               "blocked: setgroups([0]): " + E1, "info: uid 1000 euid 1000 gid 1000"}));
  add("cap_capset_raise", "privileges", {},
      blocked({"blocked: capset(all capabilities): " + E1,
               "blocked: prctl(PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN): " + E1,
               "blocked: prctl(PR_SET_SECUREBITS, 0): " + E1, "blocked: prctl(PR_SET_NO_NEW_PRIVS, 0): " + E22}));
  add("cap_status", "privileges", {},
      all({blocked({"held: CapInh:\t0000000000000000", "held: CapPrm:\t0000000000000000",
                    "held: CapEff:\t0000000000000000", "held: CapBnd:\t0000000000000000",
                    "held: CapAmb:\t0000000000000000", "held: NoNewPrivs:\t1", "held: Seccomp:\t2"}),
           controls_applied({"capabilities", "no_new_privs", "seccomp", "user_ns"})}));
  add("cap_setuid_binary", "privileges", {}, setuid_binaries_held());
  add("cap_setuid_workspace", "privileges", {"{suid_payload}"},
      blocked({"held: the setuid-root payload ran without privileges", "info: setuid payload uid 1000 euid 1000 suid 1000"}));
  add("cap_raise_rlimits", "privileges", {},
      blocked({"blocked: raise RLIMIT_NOFILE: " + E1, "blocked: raise RLIMIT_FSIZE: " + E1,
               "blocked: raise RLIMIT_CORE: " + E1}));
  add("res_priority", "privileges", {},
      blocked({"blocked: sched_setscheduler(SCHED_FIFO): " + E1, "blocked: sched_setscheduler(SCHED_RR): " + E1,
               "blocked: setpriority(-20): " + E13, "blocked: oom_score_adj -1000: " + E13}));

  // --- devices ---------------------------------------------------------------------------
  add("dev_block_devices", "devices", {},
      blocked({"blocked: open /dev/sda: " + E2, "blocked: open /dev/vda: " + E2, "blocked: open /dev/nvme0n1: " + E2}));
  add("dev_memory_devices", "devices", {},
      blocked({"blocked: open /dev/mem: " + E2, "blocked: open /dev/kmem: " + E2, "blocked: open /dev/port: " + E2,
               "blocked: open /dev/kmsg: " + E2}));
  add("dev_mknod", "devices", {},
      blocked({"blocked: mknod /tmp/sda (block 8:0): " + E1, "blocked: mknod /tmp/mem (char 1:1): " + E1,
               "blocked: mknod /dev/sda (block 8:0): " + E30}));

  // --- kernel and host settings ------------------------------------------------------------
  add("proc_sys_write", "host settings", {},
      blocked({"blocked: open /proc/sys/kernel/core_pattern for writing: " + E13,
               "blocked: open /proc/sys/kernel/hostname for writing: " + E13,
               "blocked: open /proc/sys/vm/overcommit_memory for writing: " + E13}));
  add("proc_sysrq_trigger", "host settings", {}, blocked({"blocked: open /proc/sysrq-trigger for writing: errno="}));
  add("cgroup_escape", "host settings", {},
      blocked({"blocked: open /sys/fs/cgroup/cgroup.procs for writing: " + E2,
               "blocked: open /sys/fs/cgroup/memory/memory.limit_in_bytes for writing: " + E2,
               "blocked: open /sys/fs/cgroup/pids/pids.max for writing: " + E2,
               "blocked: open own memory.limit_in_bytes for writing: " + E2, "blocked: mkdir /sys: " + E30}));
  add("uts_sethostname", "host settings", {},
      blocked({"blocked: sethostname: " + E1, "blocked: setdomainname: " + E1, "info: hostname: cordon\n"}));

  // --- foreign architectures ------------------------------------------------------------------
  add("arch_int80", "foreign architecture", {}, int80());
  add("arch_x32", "foreign architecture", {}, violation("x32:getpid"));

  // --- leaks from the launcher --------------------------------------------------------------------
  add("leak_fds", "leaks", {"{leak_fd}"},
      blocked({"held: only fds 0-2 are open", "blocked: read the launcher's fd: errno=9 (EBADF)"}));
  add("leak_env", "leaks", {"{env_name}"},
      all({blocked({"held: CORDON_ADV_LAUNCHER_SECRET is not set", "blocked: read /proc/1/environ: " + E13}),
           leak_env_clean()}));

  // --- resource abuse ---------------------------------------------------------------------------------
  add("res_fork_bomb", "resources", {}, limit(Outcome::PidsLimit, "pids"));
  add("res_memory_bomb", "resources", {},
      all({limit(Outcome::MemoryLimit, "memory"), [](const Result& r, Verdict& v) {
             if (r.peak_memory_bytes > (64ull << 20) + (4ull << 20))
               v.escape("peak memory " + std::to_string(r.peak_memory_bytes) + " is above the 64 MiB limit");
             if (r.peak_memory_bytes < (32ull << 20)) v.misreport("peak_memory_bytes does not show the bomb");
           }}));
  {
    // Four spinning processes for 1 s of wall time: cpu_cores=1 holds them to
    // one core's worth of CPU time.
    AttackSpec& a = add("res_cpu_spin", "resources", {},
                        all({limit(Outcome::Timeout, "wall_time"), [](const Result& r, Verdict& v) {
                               if (r.cpu_ms * 2 > r.wall_ms * 3)
                                 v.escape("used " + std::to_string(r.cpu_ms) + " ms of CPU in " +
                                          std::to_string(r.wall_ms) + " ms: the 1-core limit did not hold");
                             }}));
    a.wall_time_ms = 1000;
  }
  {
    // The same spinners against a tighter CPU-time limit (500 ms), within the
    // profile's 5 s wall time. On a host too busy to give them 500 ms of CPU
    // in 5 s the wall time ends the call instead; that is not a failure.
    AttackSpec& a = add("res_cpu_spin", "resources", {}, [](const Result& r, Verdict& v) {
      expect_outcome(r, v, Outcome::Timeout);
      if (r.limit_hit != "cpu_time" && !(r.limit_hit == "wall_time" && r.cpu_ms < 500))
        v.misreport("limit_hit is '" + r.limit_hit + "' after " + std::to_string(r.cpu_ms) + " ms of CPU, expected cpu_time");
      if (r.cpu_ms > 1500) v.escape("used " + std::to_string(r.cpu_ms) + " ms of CPU against a 500 ms limit");
    });
    a.name = "res_cpu_time";
    a.profile_tweak = [](nlohmann::json& j) { j["limits"]["cpu_time"] = "500ms"; };
  }
  add("res_disk_fill", "resources", {}, all({blocked({"errno=28 (ENOSPC)"}), [](const Result& r, Verdict& v) {
                                           long mib = number_after(r.stdout_.data, "info: wrote ");
                                           if (mib < 0 || mib > 16)
                                             v.escape("wrote " + std::to_string(mib) + " MiB to the 16 MiB /tmp");
                                         }}));
  add("res_inode_flood", "resources", {}, limit(Outcome::MemoryLimit, "memory"));
  add("res_unix_socket_bomb", "resources", {}, limit(Outcome::MemoryLimit, "memory"));
  add("res_tcp_buffer_bomb", "resources", {"{memory_mib}"}, tcp_buffers_within_limit());
  add("res_stdout_flood", "resources", {}, output_flood("stdout"));
  add("res_stderr_flood", "resources", {}, output_flood("stderr"));
  add("res_zombie_storm", "resources", {}, limit(Outcome::PidsLimit, "pids"));
  add("res_orphan_storm", "resources", {}, all({blocked({"info: 12 daemons started"}), wall_below(3000)}));
  {
    AttackSpec& a = add("res_ignore_sigterm", "resources", {},
                        all({limit(Outcome::Timeout, "wall_time"), wall_below(3000), [](const Result& r, Verdict& v) {
                               if (!has(r.stdout_.data, "info: ignoring SIGTERM")) v.misreport("the tool never started");
                               if (r.wall_ms < 1000) v.misreport("stopped before its 1000 ms wall time");
                             }}));
    a.wall_time_ms = 1000;
  }
  add("res_fd_exhaust", "resources", {},
      all({blocked({"blocked: open another descriptor: errno=24 (EMFILE)"}), [](const Result& r, Verdict& v) {
             long n = number_after(r.stdout_.data, "info: opened ");
             if (n < 0 || n > 64) v.escape("opened " + std::to_string(n) + " descriptors, the limit is 64");
           }}));
  return t;
}

}  // namespace

const std::vector<AttackSpec>& attacks() {
  static const std::vector<AttackSpec> table = build();
  return table;
}

const AttackSpec& attack(const std::string& name) {
  for (const auto& a : attacks())
    if (a.name == name) return a;
  std::fprintf(stderr, "no attack named %s\n", name.c_str());
  std::abort();
}

}  // namespace cordon::adv
