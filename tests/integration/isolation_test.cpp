// Each isolation layer holds: pids, files, network, IPC, credentials,
// capabilities, seccomp (denials as data), Landlock, fds, environment.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

TEST(Isolation, ToolIsPidOneAndSeesNoHostProcess) {
  Result r = sh("echo $$; ls /proc | grep -E '^[0-9]+$' | wc -l; kill -0 " + std::to_string(getpid()) +
                " 2>/dev/null && echo HOSTPID-VISIBLE || echo no-host-pid");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  std::istringstream out(r.stdout_.data);
  std::string pid1, count, host;
  out >> pid1 >> count >> host;
  EXPECT_EQ(pid1, "2") << "the tool runs under a minimal init";
  EXPECT_LE(std::stoi(count), 5) << r.stdout_.data;  // init, sh, ls, grep, wc at most
  EXPECT_EQ(host, "no-host-pid");
}

TEST(Isolation, SignallingHostProcessFails) {
  Result r = run(base_profile(), {kProbe, "kill", std::to_string(getppid())});
  EXPECT_NE(r.stdout_.data.find("kill: errno="), std::string::npos) << describe(r);
}

TEST(Isolation, HostFilesOutsideMountsAreInvisible) {
  TempDir host;
  host.write("secret.txt", "host-secret");
  Result r = sh("cat " + host.path() + "/secret.txt; cat /etc/shadow; cat /etc/passwd; ls /root /home /var 2>&1; "
                "ls /; echo done");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data.find("host-secret"), std::string::npos);
  EXPECT_EQ(r.stdout_.data.find("root:"), std::string::npos);
  EXPECT_NE(r.stderr_.data.find("No such file"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("done"), std::string::npos);
}

TEST(Isolation, ReadOnlyBindsAndRootCannotBeWritten) {
  Result r = sh("touch /usr/cordon-x 2>&1; touch /cordon-x 2>&1; mkdir /dev/x 2>&1; echo > /proc/sys/kernel/hostname 2>&1;"
                "touch /work/ok && echo workspace-writable; touch /tmp/ok && echo tmp-writable");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("Read-only file system"), std::string::npos) << r.stdout_.data;
  EXPECT_EQ(r.stdout_.data.find("cordon-x: No such"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("workspace-writable"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("tmp-writable"), std::string::npos);
  struct stat sb{};
  EXPECT_NE(stat("/usr/cordon-x", &sb), 0);
}

TEST(Isolation, WorkspaceCannotBeEscapedWithDotDotOrSymlinks) {
  TempDir ws;
  TempDir outside;
  outside.write("outside.txt", "outside-data");
  ASSERT_EQ(symlink(outside.path().c_str(), (ws.path() + "/link").c_str()), 0);
  auto prof = base_profile();
  prof["filesystem"]["workspace"] = {{"mode", "rw"}, {"target", "/work"}};
  RunSpec s;
  s.argv = {"/bin/sh", "-c",
            "cat /work/../../" + outside.path() + "/outside.txt; cat /work/link/outside.txt; "
            "ln /work/../etc/passwd /work/hard 2>&1; ls /work; echo end"};
  s.workdir = ws.path();
  Result r = run(prof, s);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data.find("outside-data"), std::string::npos) << describe(r);
  EXPECT_NE(r.stdout_.data.find("end"), std::string::npos);
}

TEST(Isolation, NoHostNetworkOnlyLoopback) {
  // A listener on the host's loopback must be unreachable.
  int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(srv, 4), 0);
  socklen_t len = sizeof a;
  getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);

  Result r = run(base_profile(), {kProbe, "tcp_connect", std::to_string(port)});
  EXPECT_NE(r.stdout_.data.find("tcp_connect: errno=111"), std::string::npos) << describe(r);  // ECONNREFUSED

  Result ifs = sh("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; cat /sys/class/net 2>&1 | head -1");
  EXPECT_EQ(ifs.stdout_.data.substr(0, 3), "lo\n") << ifs.stdout_.data;
  EXPECT_EQ(ifs.stdout_.data.find("eth"), std::string::npos);
  close(srv);
}

TEST(Isolation, HostNetworkOptInIsReportedAsDangerous) {
  auto prof = base_profile();
  prof["network"] = "dangerous_host_network";
  Result r = run(prof, {kProbe, "socket_unix"});
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  ASSERT_EQ(r.dangerous_opt_ins.size(), 1u);
  EXPECT_EQ(r.dangerous_opt_ins[0], "dangerous_host_network");
  const Control* net = find_control(r, "net_ns");
  ASSERT_NE(net, nullptr);
  EXPECT_FALSE(net->applied);
}

TEST(Isolation, LandlockScopesAbstractUnixSocketsOfTheHost) {
  // With the host network shared, only Landlock's scoping keeps the tool
  // from the host's abstract sockets; the test switch shows the difference.
  std::string name = "cordon-test-" + std::to_string(getpid());
  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  socklen_t alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr*>(&a), alen), 0);
  ASSERT_EQ(listen(srv, 4), 0);
  auto prof = base_profile();
  prof["network"] = "dangerous_host_network";

  HostInfo host = probe_host();
  ASSERT_GE(host.landlock_abi, 6) << "this kernel offers Landlock scoping";
  Result held = run(prof, {kProbe, "abstract_connect", name});
  EXPECT_NE(held.stdout_.data.find("abstract_connect: errno=1 "), std::string::npos) << describe(held);

  RunSpec weak;
  weak.argv = {kProbe, "abstract_connect", name};
  weak.skip = "landlock";
  Result open = run(prof, weak);
  EXPECT_NE(open.stdout_.data.find("abstract_connect: ok"), std::string::npos) << describe(open);
  const Control* ll = find_control(open, "landlock");
  ASSERT_NE(ll, nullptr);
  EXPECT_FALSE(ll->applied);
  close(srv);
}

TEST(Isolation, SysVIpcOfTheHostIsInvisible) {
  int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
  ASSERT_GE(id, 0);
  Result r = sh("cat /proc/sysvipc/shm | wc -l");
  shmctl(id, IPC_RMID, nullptr);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "1\n") << "only the header line";
}

TEST(Isolation, UnprivilegedIdsAndZeroCapabilities) {
  Result r = sh("id -u; id -g; cat /proc/self/uid_map; grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  const std::string& o = r.stdout_.data;
  EXPECT_EQ(o.rfind("1000\n1000\n", 0), 0u) << o;
  EXPECT_EQ(o.find(" 0 "), std::string::npos) << "nothing maps to host root: " << o;
  for (const char* line : {"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                           "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
                           "Seccomp:\t2"})
    EXPECT_NE(o.find(line), std::string::npos) << line << "\n" << o;
  Result su = run(base_profile(), {kProbe, "setuid0"});
  EXPECT_NE(su.stdout_.data.find("setuid0: errno="), std::string::npos) << describe(su);
}

TEST(Isolation, OnlyStdioFdsReachTheTool) {
  int leaked = open("/etc/hostname", O_RDONLY);  // deliberately not O_CLOEXEC
  ASSERT_GE(leaked, 3);
  Result r = run(base_profile(), {kProbe, "fds"});
  close(leaked);
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "fd 0\nfd 1\nfd 2\n");
}

TEST(Isolation, LauncherEnvironmentDoesNotLeak) {
  setenv("CORDON_TEST_LAUNCHER_SECRET", "leak-me", 1);
  Result r = sh("env");
  unsetenv("CORDON_TEST_LAUNCHER_SECRET");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data.find("leak-me"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("PATH=/usr/bin:/bin"), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("LANG=C.UTF-8"), std::string::npos);
}

TEST(Isolation, CallerMayPassOnlyAllowedVariables) {
  auto p = profile_from(base_profile());
  CallRequest ok;
  ok.rules = test_rules();
  ok.argv = {"/bin/sh", "-c", "echo $ALLOWED_VAR"};
  ok.env = {{"ALLOWED_VAR", "v1"}};
  PlanOutcome plan = make_plan(p, ok, probe_host());
  ASSERT_TRUE(plan.ok());
  Result r = run_plan(*plan.plan);
  EXPECT_EQ(r.stdout_.data, "v1\n");

  CallRequest bad = ok;
  bad.env = {{"LD_PRELOAD", "/tmp/x.so"}};
  PlanOutcome refused = make_plan(p, bad, probe_host());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.errors[0].field, "env.LD_PRELOAD");
}

TEST(Isolation, NoControllingTerminalAndOwnSession) {
  Result r = sh("cat /proc/self/stat | cut -d' ' -f6,7");  // session id, tty_nr
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "1 0\n");  // a new session (led by init), no tty
}

TEST(Isolation, InitIsOpaqueToTheTool) {
  // pid 1 is a copy of the launcher: its exe, memory, environment and fds
  // must be out of reach (runc CVE-2019-5736 class).
  Result r = sh("for f in exe mem environ root/etc cwd fd/3; do cat /proc/1/$f >/dev/null 2>&1 && echo OPEN:$f; done;"
                "echo x > /proc/1/exe 2>/dev/null && echo WROTE-EXE; ls /proc/1/fd 2>/dev/null && echo LISTED-FD; echo end");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "end\n") << r.stdout_.data;
}

TEST(Isolation, NoDevicesBeyondTheMinimalSet) {
  Result r = sh("ls /dev | tr '\\n' ' '; mknod /tmp/sda b 8 0 2>&1 | grep -c 'not permitted'; "
                "head -c 4 /dev/urandom | wc -c; echo hi > /dev/null && echo null-ok");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_EQ(r.stdout_.data, "fd full null random stderr stdin stdout urandom zero 1\n4\nnull-ok\n") << r.stdout_.data;
}

TEST(Isolation, HostnameIsTheProfiles) {
  Result r = sh("hostname");
  EXPECT_EQ(r.stdout_.data, "cordon\n");
}

// --- seccomp: denials are data -------------------------------------------

struct DenyCase {
  const char* probe;
  const char* syscall;
};

class DeniedSyscall : public ::testing::TestWithParam<DenyCase> {};

TEST_P(DeniedSyscall, KillsAndIsReportedByName) {
  const DenyCase& c = GetParam();
  Result r = run(base_profile(), {kProbe, c.probe});
  EXPECT_EQ(r.outcome, Outcome::Violation) << describe(r);
  const Denial* d = find_denial(r, c.syscall);
  ASSERT_NE(d, nullptr) << describe(r);
  EXPECT_EQ(d->action, "kill");
  EXPECT_GE(d->count, 1u);
  EXPECT_EQ(r.stdout_.data.find(": ok"), std::string::npos) << "the call must not have succeeded";
}

INSTANTIATE_TEST_SUITE_P(Defaults, DeniedSyscall,
                         ::testing::Values(DenyCase{"ptrace", "ptrace"}, DenyCase{"io_uring", "io_uring_setup"},
                                           DenyCase{"unshare", "unshare"}, DenyCase{"clone_ns", "clone"},
                                           DenyCase{"mount", "mount"}, DenyCase{"bpf", "bpf"},
                                           DenyCase{"perf", "perf_event_open"},
                                           DenyCase{"userfaultfd", "userfaultfd"}, DenyCase{"keyctl", "keyctl"},
                                           DenyCase{"personality", "personality"},
                                           DenyCase{"settime", "clock_settime"}, DenyCase{"tiocsti", "ioctl"},
                                           DenyCase{"tiocsti_high", "ioctl"}),
                         [](const ::testing::TestParamInfo<DenyCase>& p) { return std::string(p.param.probe); });

TEST(Seccomp, ForeignArchitectureSyscallsAreKilled) {
  Result x32 = run(base_profile(), {kProbe, "x32"});
  EXPECT_EQ(x32.outcome, Outcome::Violation) << describe(x32);
  ASSERT_EQ(x32.denials.size(), 1u) << describe(x32);
  EXPECT_EQ(x32.denials[0].syscall, "x32:getpid");
  // int 0x80: a kernel without ia32 emulation faults it (SIGSEGV) before
  // seccomp sees it; one with it sends it to the filter, which kills.
  Result i386 = run(base_profile(), {kProbe, "i386"});
  EXPECT_EQ(i386.stdout_.data.find("i386: ok"), std::string::npos) << describe(i386);
  if (i386.outcome == Outcome::Violation) {
    ASSERT_EQ(i386.denials.size(), 1u) << describe(i386);
    EXPECT_EQ(i386.denials[0].syscall.rfind("i386:", 0), 0u);
  } else {
    EXPECT_EQ(i386.outcome, Outcome::Signaled) << describe(i386);
    EXPECT_EQ(i386.signal, SIGSEGV);
  }
}

TEST(Seccomp, ErrnoActionLetsTheToolContinueAndCountsDenials) {
  auto prof = base_profile();
  prof["syscalls"] = {{"action", "errno"}, {"errno", "EPERM"}};
  Result r = run(prof, {"/bin/sh", "-c", "/opt/probe/cordon-probe ptrace; /opt/probe/cordon-probe ptrace; echo after"});
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("ptrace: errno=1 "), std::string::npos);
  EXPECT_NE(r.stdout_.data.find("after"), std::string::npos);
  const Denial* d = find_denial(r, "ptrace");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->count, 2u);
  EXPECT_EQ(d->action, "errno");
  EXPECT_EQ(d->errno_value, EPERM);
}

TEST(Seccomp, SocketFamiliesOtherThanUnixInetAreRefused) {
  for (const char* probe : {"socket_packet", "socket_vsock", "socket_high"}) {
    Result r = run(base_profile(), {kProbe, probe});
    EXPECT_NE(r.stdout_.data.find(std::string(probe) + ": errno=97"), std::string::npos) << describe(r);
    ASSERT_NE(find_denial(r, "socket"), nullptr);
  }
  Result ok = run(base_profile(), {kProbe, "socket_unix"});
  EXPECT_NE(ok.stdout_.data.find("socket_unix: ok"), std::string::npos) << describe(ok);
  EXPECT_TRUE(ok.denials.empty());
}

TEST(Seccomp, BenignCallsPass) {
  for (const char* probe : {"clone3", "fork", "personality_query"}) {
    Result r = run(base_profile(), {kProbe, probe});
    EXPECT_EQ(r.outcome, Outcome::Ok) << describe(r);
    EXPECT_TRUE(r.denials.empty()) << describe(r);
  }
  // clone3 answers ENOSYS so that libc falls back to the inspectable clone.
  EXPECT_NE(run(base_profile(), {kProbe, "clone3"}).stdout_.data.find("clone3: errno=38"), std::string::npos);
}

TEST(Seccomp, ProfileCanDenyMoreAndReAllowWithDangerousOptIn) {
  auto prof = base_profile();
  prof["syscalls"] = {{"deny", {{{"name", "socket"}, {"action", "errno"}, {"errno", "EACCES"}}}},
                      {"dangerous_allow", {"personality"}}};
  Result r = run(prof, {"/bin/sh", "-c", "/opt/probe/cordon-probe socket_unix; /opt/probe/cordon-probe personality"});
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  EXPECT_NE(r.stdout_.data.find("socket_unix: errno=13"), std::string::npos) << describe(r);
  EXPECT_NE(r.stdout_.data.find("personality: ok"), std::string::npos) << describe(r);
  ASSERT_EQ(r.dangerous_opt_ins.size(), 1u);
  EXPECT_EQ(r.dangerous_opt_ins[0], "dangerous_allow:personality");
}

TEST(Seccomp, WithoutTheFilterTheAttackWorks) {
  // The test switch proves these tests can fail.
  RunSpec s;
  s.argv = {kProbe, "personality"};
  s.skip = "seccomp";
  Result r = run(base_profile(), s);
  EXPECT_NE(r.stdout_.data.find("personality: ok"), std::string::npos) << describe(r);
  const Control* c = find_control(r, "seccomp");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->applied);
}

// --- the controls list tells the truth -----------------------------------

TEST(Controls, ListMatchesWhatThisHostCanDo) {
  Result r = sh("true");
  ASSERT_EQ(r.outcome, Outcome::Ok) << describe(r);
  for (const char* name : {"user_ns", "pid_ns", "mount_ns", "net_ns", "ipc_ns", "uts_ns", "cgroup_ns", "pivot_root",
                           "capabilities", "no_new_privs", "seccomp", "setsid", "close_fds", "rlimits"}) {
    const Control* c = find_control(r, name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_TRUE(c->applied) << name << ": " << c->detail;
  }
  HostInfo host = probe_host();
  EXPECT_EQ(find_control(r, "landlock")->applied, host.landlock_abi > 0);
  const Control* groups = find_control(r, "clear_groups");
  ASSERT_NE(groups, nullptr);
  EXPECT_EQ(groups->applied, running_as_root());
  const Control* mem = find_control(r, "cgroup_memory");
  ASSERT_NE(mem, nullptr);
  if (running_as_root()) {
    EXPECT_TRUE(mem->applied) << mem->detail;
    EXPECT_TRUE(find_control(r, "cgroup_pids")->applied);
  } else if (!mem->applied) {
    // Without a delegated cgroup the fallback is named, not hidden.
    EXPECT_NE(find_control(r, "memory_rlimit_fallback"), nullptr);
    EXPECT_NE(find_control(r, "pids_rlimit_fallback"), nullptr);
  }
  EXPECT_GT(r.setup_us, 0u);
  EXPECT_FALSE(r.setup_steps.empty());
  EXPECT_EQ(r.profile_name, "probe");
  EXPECT_EQ(r.profile_sha256.size(), 64u);
}

}  // namespace
}  // namespace cordon::test
