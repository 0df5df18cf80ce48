// Profile v1: what one tool may do. An immutable value, parsed and validated
// once by load_profile(); every problem is reported (file, field path,
// reason), all at once. See profiles/README.md for the schema.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cordon/tool_def.h"

namespace cordon {

// How the per-call workspace appears inside the sandbox.
enum class WorkspaceMode {
  None,    // no workspace
  HostRo,  // the host directory given by the caller, read-only
  HostRw,  // the host directory given by the caller, read-write
  Tmpfs,   // a fresh, size-limited tmpfs
};

enum class NetworkMode {
  None,                  // own network namespace with loopback up
  DangerousHostNetwork,  // shares the host network (explicit opt-in)
};

// What happens when a tool makes a denied syscall.
enum class SyscallAction { Kill, Errno };

enum class OutputLimitAction { Kill, Truncate };

struct BindMount {
  std::string source;     // absolute host path
  std::string target;     // absolute path inside the sandbox
  bool writable = false;  // rw bind (ro otherwise)
  bool optional = false;  // skip silently when the source does not exist
};

struct TmpfsMount {
  std::string target;
  std::uint64_t size_bytes = 0;
  std::uint32_t mode = 01777;
};

struct Workspace {
  WorkspaceMode mode = WorkspaceMode::None;
  std::string target = "/work";
  std::uint64_t tmpfs_size_bytes = 64ull << 20;  // for Tmpfs
};

// Zero means "no limit" for every field except the ones marked required.
struct Limits {
  std::uint64_t wall_time_ms = 10'000;  // always > 0
  std::uint64_t cpu_time_ms = 0;
  std::uint64_t memory_bytes = 256ull << 20;
  std::uint64_t pids = 64;
  std::uint64_t open_files = 256;
  std::uint64_t file_size_bytes = 64ull << 20;
  std::uint64_t stdout_bytes = 1ull << 20;  // always > 0
  std::uint64_t stderr_bytes = 256ull << 10;  // always > 0
  // The most free space a call may consume on the filesystems of its
  // writable host mounts (measured with statvfs while it runs).
  std::uint64_t disk_bytes = 1ull << 30;
  double cpu_cores = 0;  // cgroup CPU bandwidth, in cores; 0 = unlimited
  OutputLimitAction on_output_limit = OutputLimitAction::Kill;
};

struct SyscallDeny {
  std::string name;
  std::optional<SyscallAction> action;  // default: Syscalls::action
  std::optional<int> errno_value;       // default: Syscalls::errno_value
};

struct Syscalls {
  SyscallAction action = SyscallAction::Kill;  // for the default deny list
  int errno_value = 1;                         // EPERM
  std::vector<SyscallDeny> deny;               // added to the default list
  std::vector<std::string> dangerous_allow;    // removed from the default list
};

struct Environment {
  std::map<std::string, std::string> set;  // fixed variables
  std::vector<std::string> pass;           // names a caller may pass
};

// What the output filter does with what a tool prints (see filter.h and
// profiles/README.md, section "output").
enum class InjectionAction {
  Flag,      // report, and wrap the output in an untrusted-data envelope
  Withhold,  // report, and replace the output with a notice
  Off,       // no prompt-injection detection
};
enum class ControlCharMode { Strip, Escape };

struct OutputPolicy {
  // false only through the explicit opt-in "dangerous_disable_redaction":
  // findings are then counted and classified but the text is left as is.
  bool redact = true;
  bool fingerprint = false;          // [REDACTED:<id>:<8 hex keyed fingerprint>]
  ControlCharMode control_chars = ControlCharMode::Strip;
  bool pii = true;                   // run the personal-data rules
  // The highest data class the output may carry to the agent: "public",
  // "internal", "confidential" or "restricted" (the default: never withhold
  // for class; secrets are still redacted). Above it the output is withheld.
  std::string max_data_class = "restricted";
  InjectionAction injection = InjectionAction::Flag;
  double injection_threshold = 0.5;  // score in (0,1] at which a flag is raised
  // Extra rules files (absolute, or relative to the profile's directory),
  // applied over the shipped rules: same id replaces, "disabled" removes.
  std::vector<std::string> rules;
};

// A secret the profile grants its tool, by name (looked up in the caller's
// tenant's secret store), and how it is delivered. Exactly one of env/file.
struct SecretGrant {
  std::string name;  // [A-Za-z0-9_.-]{1,64}
  std::string env;   // deliver as this environment variable, or
  std::string file;  // as a file at this absolute path (mode 0400, owned by
                     // the tool's uid, in a fresh per-call read-only tmpfs)
};

// Controls that can be missing on some hosts (others are always required).
// Names: "landlock", "cgroup_memory", "cgroup_pids", "cgroup_cpu",
//        "clear_groups".
struct Profile {
  // identity
  int schema = 1;
  std::string name;
  std::string version;
  std::string description;
  std::string owner;

  std::vector<std::string> exec;  // absolute executable paths inside

  std::vector<BindMount> binds;
  std::vector<TmpfsMount> tmpfs;
  Workspace workspace;

  NetworkMode network = NetworkMode::None;
  Limits limits;
  Environment env;
  Syscalls syscalls;
  std::vector<std::string> require;
  OutputPolicy output;
  std::vector<SecretGrant> secrets;

  // The tool as a model sees it (optional): schema + argv template.
  std::optional<ToolDefinition> tool;

  std::string hostname = "cordon";
  std::uint32_t uid = 1000;  // the tool's uid inside the sandbox (never 0)
  std::uint32_t gid = 1000;

  // provenance
  std::string source_path;
  std::string content_sha256;  // hex SHA-256 of the file's bytes

  // The explicit dangerous opt-ins this profile makes, e.g.
  // "dangerous_host_network", "dangerous_allow:ptrace",
  // "dangerous_disable_redaction".
  std::vector<std::string> dangerous_opt_ins() const;
};

struct ProfileError {
  std::string file;
  std::string field;   // JSON path, e.g. "limits.memory" or "filesystem.binds[2].source"
  std::string reason;
  std::string to_string() const;  // "file: field: reason"
};

struct ProfileLoad {
  std::shared_ptr<const Profile> profile;  // null when errors is non-empty
  std::vector<ProfileError> errors;
  bool ok() const { return profile != nullptr; }
};

// Parses and validates a profile from a file (JSON with // and /* */
// comments). Never throws.
ProfileLoad load_profile(const std::string& path);
// Same, from text; `origin` is the name used in errors.
ProfileLoad parse_profile(const std::string& text, const std::string& origin);

// The names the `require` field accepts.
const std::vector<std::string>& optional_control_names();

// True when `name` is a valid secret name: ^[A-Za-z0-9_.-]{1,64}$.
bool is_valid_secret_name(const std::string& name);

// True when `name` is a valid profile name: ^[a-z0-9][a-z0-9._-]{0,63}$.
bool is_valid_profile_name(const std::string& name);

// Finds a profile by name or path: a path (contains '/' or ends in .json) is
// loaded as is; a bare name is looked up as NAME.json in each search dir.
ProfileLoad resolve_profile(const std::string& name_or_path,
                            const std::vector<std::string>& search_dirs);

}  // namespace cordon
