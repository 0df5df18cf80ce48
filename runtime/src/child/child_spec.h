// The contract between the parent and the code that runs in the child
// between clone and execve.
//
// The parent fills a ChildSpec completely before clone (all strings, arrays
// and the seccomp program live in parent memory that the child sees as a
// copy). The child only reads it and makes raw syscalls: no allocation, no
// locks, no exceptions, no stdio. Every step has a name; a failure is sent
// to the parent as ChildMsg{kind=Error, step, errno} over a close-on-exec
// SOCK_SEQPACKET socket, and the child exits. When every step is done the
// child sends ChildMsg{kind=Ready} with per-step timings and the seccomp
// listener fd (SCM_RIGHTS), forks the tool (pid 2), which execs, and stays
// as a minimal init (pid 1): it reaps orphans and, when the tool exits,
// sends ChildMsg{kind=ToolExit} with the tool's wait status and exits, which
// kills whatever the tool left behind. An execve failure arrives as
// ChildMsg{kind=Error, step=Exec}.
//
// A warm child (spec.warm) stops after Landlock: it sends
// ChildMsg{kind=Parked} and waits for the call (argv, env, stdin) on the
// status socket (call_message.h), then goes on as above.
#pragma once

#include <linux/filter.h>
#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace cordon::child {

// The linear list of setup steps, in order.
enum class Step : std::uint32_t {
  WaitParent,       // parent wrote the uid/gid maps ("g" on the sync pipe)
  ClearGroups,      // setgroups(0, NULL) (root launcher only)
  MountPrivate,     // make every mount private (no propagation to the host)
  OpenSources,      // open bind sources (O_PATH, no symlinks)
  MountRoot,        // tmpfs that becomes the new root
  BindMounts,       // the profile's and the workspace's binds
  Symlinks,         // symlinks mirroring the host layout (e.g. /lib -> usr/lib)
  TmpfsMounts,      // size-limited tmpfs mounts (/tmp, workspace tmpfs, ...)
  MountProc,        // fresh /proc for the new pid namespace (+ ro /proc/sys)
  MountDev,         // minimal /dev
  SecretFiles,      // granted secrets written into their (then read-only) tmpfs
  RootReadOnly,     // the root tmpfs (and /dev) become read-only
  PivotRoot,        // pivot_root into the new root, old root detached
  Hostname,
  Loopback,         // bring up lo in the new network namespace
  Setsid,
  Chdir,
  WaitCgroup,       // parent put us in the call's cgroup ("c"; it did so while we built the root)
  UnshareCgroup,    // new cgroup namespace rooted at the call's cgroup
  DropBounding,     // drop every capability from the bounding set
  SecureBits,       // lock no-root / no-setuid-fixup
  SetIds,           // setresgid / setresuid to the tool's ids
  DropCaps,         // clear effective, permitted, inheritable and ambient
  ParentDeath,      // PR_SET_PDEATHSIG again (cleared by the id change)
  Rlimits,
  NoNewPrivs,
  Landlock,
  AwaitCall,        // warm sandboxes only: parked until the call arrives (call_message.h)
  Stdio,            // stdin/stdout/stderr onto 0/1/2
  CloseFds,         // every other fd close-on-exec
  Signals,          // default dispositions, nothing blocked
  Seccomp,          // the filter, installed last, with a user-notify listener
  ForkTool,         // pid 1 (init) forks the tool
  Exec,
  kCount
};
const char* step_name(Step s);

inline constexpr std::size_t kMaxMounts = 96;
inline constexpr std::size_t kMaxLandlockRules = 96;
inline constexpr std::size_t kMaxRlimits = 8;
inline constexpr std::size_t kMaxSecretFiles = 16;

enum class MountKind : std::uint8_t { Bind, Tmpfs, Symlink, Proc, DevBind };

struct MountOp {
  MountKind kind = MountKind::Bind;
  const char* source = nullptr;  // Bind/DevBind: host path; Symlink: link text
  const char* target = nullptr;  // full path under the staging root
  const char* data = nullptr;    // Tmpfs: mount options
  bool writable = false;
  bool optional = false;         // missing source: skip instead of failing
  std::uint64_t attr_set = 0;    // MOUNT_ATTR_* applied recursively after mounting
};

struct LandlockRule {
  const char* path = nullptr;    // inside the new root
  std::uint64_t access = 0;      // LANDLOCK_ACCESS_FS_* (masked to file rights for files)
};

// A granted secret delivered as a file: created with O_EXCL, mode 0400,
// owned by the tool's ids, in a tmpfs that becomes read-only before pivot.
struct SecretFile {
  const char* path = nullptr;  // full path under the staging root
  const char* data = nullptr;
  std::size_t len = 0;
};

struct Rlimit {
  int resource = 0;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

struct ChildSpec {
  // channels
  int status_fd = -1;   // SOCK_SEQPACKET to the parent
  int sync_fd = -1;     // read end: "g" = id maps written, then "c" = in the cgroup; EOF = abort
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;

  // identity
  uid_t uid = 1000;
  gid_t gid = 1000;
  bool clear_groups = false;
  int last_cap = 40;

  // namespaces that need a step
  bool unshare_cgroup = true;
  bool loopback = true;

  // filesystem
  const char* staging = "/tmp";   // where the new root is assembled
  const char* root_options = nullptr;
  MountOp mounts[kMaxMounts];
  std::size_t n_mounts = 0;
  SecretFile secret_files[kMaxSecretFiles];
  std::size_t n_secret_files = 0;
  const char* cwd = "/";
  const char* hostname = "cordon";

  Rlimit rlimits[kMaxRlimits];
  std::size_t n_rlimits = 0;

  // Landlock (abi 0 = skip)
  int landlock_abi = 0;
  std::uint64_t landlock_handled_fs = 0;
  std::uint64_t landlock_scoped = 0;
  LandlockRule landlock_rules[kMaxLandlockRules];
  std::size_t n_landlock_rules = 0;

  // seccomp (installed last)
  bool seccomp = true;
  sock_fprog seccomp_prog{};

  // test-only switches (never set in production)
  bool skip_caps = false;
  bool skip_no_new_privs = false;

  // Warm: park after Landlock and take exec_path, argv, envp and stdin from
  // the call message (the fields below and stdin_fd are then unused).
  bool warm = false;

  // what to run
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

enum class MsgKind : std::uint32_t { Error = 1, Ready = 2, ToolExit = 3, Parked = 4 };

struct ChildMsg {
  MsgKind kind = MsgKind::Error;
  Step step = Step::WaitParent;
  std::int32_t err = 0;
  std::uint64_t step_end_ns[static_cast<std::size_t>(Step::kCount)] = {};
  std::uint64_t start_ns = 0;
  // ToolExit
  std::int32_t tool_status = 0;      // wait(2) status of the tool
  std::uint64_t tool_cpu_us = 0;     // user+sys of the tool and what it reaped
  std::uint64_t tool_maxrss_kb = 0;
};

// Runs in the child after clone3. Never returns.
[[noreturn]] void run_child(const ChildSpec& spec);

}  // namespace cordon::child
