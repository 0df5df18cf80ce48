// The result of one sandboxed call: one value, also the `--json` output.
// Outcomes and violations are data. The first cause wins: once an outcome
// other than a plain exit is recorded, later events do not replace it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cordon {

enum class Outcome {
  Ok,            // exited 0
  ExitNonzero,   // exited with a non-zero code
  Signaled,      // terminated by a signal it received inside the sandbox
  Timeout,       // wall-time or CPU-time limit
  MemoryLimit,   // the cgroup memory limit (OOM kill)
  PidsLimit,     // the pids limit was hit
  OutputLimit,   // stdout/stderr cap exceeded with on_output_limit=kill
  Violation,     // a denied syscall whose action is kill
  Killed,        // stopped from outside (operator, caller, shutdown)
  SetupError,    // the sandbox could not be built; the tool never ran
};
const char* outcome_name(Outcome o);

// One denied syscall, aggregated by name.
struct Denial {
  std::string syscall;  // name, e.g. "ptrace" ("nr:NNN" if unknown)
  int nr = -1;
  std::string action;   // "kill" or "errno"
  int errno_value = 0;  // for "errno"
  std::uint64_t count = 0;
};

// A control that was applied, or that could not be (with why).
struct Control {
  std::string name;     // e.g. "pid_ns", "landlock", "cgroup_memory"
  bool applied = false;
  std::string detail;   // e.g. "abi 7", "v1 268435456", reason when missing
};

struct StepTiming {
  std::string step;
  std::uint64_t ns = 0;
};

struct OutputStream {
  std::string data;
  std::uint64_t total_bytes = 0;  // bytes the tool wrote (up to the stop)
  bool truncated = false;
};

// One prompt-injection hit (never the text itself).
struct InjectionFlag {
  std::string stream;    // "stdout" or "stderr"
  std::string rule;      // e.g. "override-ignore-previous"
  std::string category;  // override | role_marker | exfiltration | tool_call
  std::uint64_t offset = 0;  // in the stream's sanitised text
  std::uint64_t length = 0;
  double weight = 0;
  bool obfuscated = false;
};

// What the output filter found and did (counts and rule ids, never values).
struct OutputFilterSummary {
  bool applied = false;            // false only for calls that never ran
  std::string rules_version;
  std::map<std::string, std::uint64_t> redactions;  // rule id -> count
  std::string data_class = "public";  // highest class found in either stream
  std::string max_data_class;         // the profile's ceiling
  bool redacted = true;               // false: dangerous_disable_redaction
  bool withheld = false;
  std::string withheld_reason;        // "data_class" or "injection"
  std::string injection_action;       // "flag", "withhold" or "off"
  bool injection_suspected = false;
  double injection_score = 0;
  std::vector<InjectionFlag> injection;
  bool enveloped = false;             // output wrapped as untrusted data
  bool streamed = true;               // chunks were passed on as they came
  std::vector<std::string> secrets_guarded;  // names of exact-value rules
  std::uint64_t controls_removed = 0;
  std::uint64_t invalid_utf8 = 0;
  std::uint64_t filter_us = 0;        // CPU time spent filtering
};

// A secret delivered to the call (never its value).
struct GrantedSecret {
  std::string name;
  std::string delivery;     // "env:NAME" or "file:/path"
  std::string fingerprint;  // short keyed fingerprint
};

struct Result {
  Outcome outcome = Outcome::SetupError;
  std::string detail;             // human-readable cause
  std::optional<int> exit_code;   // for Ok / ExitNonzero
  std::optional<int> signal;      // the signal that ended the tool, if any
  std::string limit_hit;          // "wall_time", "cpu_time", "memory", "pids",
                                  // "stdout", "stderr", "file_size", ...

  // setup_error details
  std::string setup_step;
  int setup_errno = 0;

  OutputStream stdout_;
  OutputStream stderr_;

  std::uint64_t wall_ms = 0;      // from spawn to the whole tree gone
  std::uint64_t cpu_ms = 0;       // user+sys of the whole tree
  std::uint64_t peak_memory_bytes = 0;
  std::uint64_t setup_us = 0;     // clone to execve (warm: hand-over to execve)
  bool warm = false;              // served by a warm (pre-built) sandbox
  std::uint64_t contain_us = 0;   // supervisor's kill decision to tree gone (0 if it killed nothing, e.g. the kernel's OOM killer ended a lone tool first)
  std::vector<StepTiming> setup_steps;

  std::vector<Control> controls;
  std::vector<Denial> denials;
  std::vector<std::string> dangerous_opt_ins;

  OutputFilterSummary filter;
  std::vector<GrantedSecret> secrets;

  std::string profile_name;
  std::string profile_version;
  std::string profile_sha256;
};

nlohmann::ordered_json to_json(const Result& r);

// Exit status `cordon run` uses for a result (tool's code, 128+signal, or
// one of the documented codes below).
int exit_status_for(const Result& r);
inline constexpr int kExitViolation = 121;
inline constexpr int kExitLimit = 122;     // memory, pids, output, cpu limits
inline constexpr int kExitKilled = 123;
inline constexpr int kExitTimeout = 124;
inline constexpr int kExitSetupError = 125;

}  // namespace cordon
