// Profile v1 parsing and validation. See profiles/README.md for the schema.
//
// The validator walks the JSON once and records every problem it finds
// (file, field path, reason) instead of stopping at the first. A Profile is
// handed out only when there were no problems at all, so values that failed
// to parse are simply left at their defaults while the walk goes on.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cordon/profile.h"
#include "profile/units.h"
#include "sha256.h"

namespace cordon {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Schema constants

constexpr std::int64_t kSchemaVersion = 1;
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxVersionLength = 64;
constexpr std::size_t kMaxDescriptionLength = 1024;
constexpr std::size_t kMaxOwnerLength = 256;
constexpr std::size_t kMaxHostnameLength = 64;
constexpr std::size_t kMaxPathLength = 4096;
constexpr std::size_t kMaxSyscallNameLength = 64;
constexpr std::uint64_t kMaxTmpfsBytes = 16 * kGiB;
constexpr std::uint32_t kMaxTmpfsMode = 07777;
constexpr std::uint64_t kMaxId = 65533;
constexpr double kMaxCpuCores = 1024;
constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMaxFileBytes = 1 * kMiB;

// Mount targets the sandbox sets up itself.
constexpr std::array<std::string_view, 2> kReservedTargets{"/proc", "/dev"};

constexpr std::array<std::string_view, 3> kSecretKeys{"name", "env", "file"};
constexpr std::array<std::string_view, 18> kTopLevelKeys{
    "schema", "name",    "version",  "description", "owner",
    "exec",   "filesystem", "network", "limits",    "env",
    "syscalls", "require", "hostname", "uid",       "gid", "tool", "output", "secrets"};
constexpr std::array<std::string_view, 8> kOutputKeys{
    "dangerous_disable_redaction", "fingerprint", "control_chars", "pii",
    "max_data_class", "injection", "injection_threshold", "rules"};
constexpr std::array<std::string_view, 3> kFilesystemKeys{"binds", "tmpfs",
                                                          "workspace"};
constexpr std::array<std::string_view, 4> kBindKeys{"source", "target",
                                                    "writable", "optional"};
constexpr std::array<std::string_view, 3> kTmpfsKeys{"target", "size", "mode"};
constexpr std::array<std::string_view, 3> kWorkspaceKeys{"mode", "target",
                                                         "size"};
constexpr std::array<std::string_view, 2> kEnvKeys{"set", "pass"};
constexpr std::array<std::string_view, 4> kSyscallsKeys{"action", "errno",
                                                        "deny",
                                                        "dangerous_allow"};
constexpr std::array<std::string_view, 3> kDenyKeys{"name", "action", "errno"};

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

constexpr std::array<EnumName<WorkspaceMode>, 4> kWorkspaceModes{{
    {"none", WorkspaceMode::None},
    {"ro", WorkspaceMode::HostRo},
    {"rw", WorkspaceMode::HostRw},
    {"tmpfs", WorkspaceMode::Tmpfs},
}};
constexpr std::array<EnumName<NetworkMode>, 2> kNetworkModes{{
    {"none", NetworkMode::None},
    {"dangerous_host_network", NetworkMode::DangerousHostNetwork},
}};
constexpr std::array<EnumName<SyscallAction>, 2> kSyscallActions{{
    {"kill", SyscallAction::Kill},
    {"errno", SyscallAction::Errno},
}};
constexpr std::array<EnumName<InjectionAction>, 3> kInjectionActions{{
    {"flag", InjectionAction::Flag},
    {"withhold", InjectionAction::Withhold},
    {"off", InjectionAction::Off},
}};
constexpr std::array<EnumName<ControlCharMode>, 2> kControlCharModes{{
    {"strip", ControlCharMode::Strip},
    {"escape", ControlCharMode::Escape},
}};
constexpr std::array<EnumName<std::string_view>, 4> kDataClasses{{
    {"public", "public"},
    {"internal", "internal"},
    {"confidential", "confidential"},
    {"restricted", "restricted"},
}};
constexpr std::array<EnumName<OutputLimitAction>, 2> kOutputLimitActions{{
    {"kill", OutputLimitAction::Kill},
    {"truncate", OutputLimitAction::Truncate},
}};

// errno names a denied syscall may return.
constexpr std::array<EnumName<int>, 47> kErrnoNames{{
    {"EPERM", EPERM},
    {"ENOENT", ENOENT},
    {"ESRCH", ESRCH},
    {"EINTR", EINTR},
    {"EIO", EIO},
    {"ENXIO", ENXIO},
    {"E2BIG", E2BIG},
    {"ENOEXEC", ENOEXEC},
    {"EBADF", EBADF},
    {"ECHILD", ECHILD},
    {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM},
    {"EACCES", EACCES},
    {"EFAULT", EFAULT},
    {"EBUSY", EBUSY},
    {"EEXIST", EEXIST},
    {"EXDEV", EXDEV},
    {"ENODEV", ENODEV},
    {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},
    {"EINVAL", EINVAL},
    {"ENFILE", ENFILE},
    {"EMFILE", EMFILE},
    {"ENOTTY", ENOTTY},
    {"ETXTBSY", ETXTBSY},
    {"EFBIG", EFBIG},
    {"ENOSPC", ENOSPC},
    {"ESPIPE", ESPIPE},
    {"EROFS", EROFS},
    {"EMLINK", EMLINK},
    {"EPIPE", EPIPE},
    {"ERANGE", ERANGE},
    {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOSYS", ENOSYS},
    {"ENOTEMPTY", ENOTEMPTY},
    {"ELOOP", ELOOP},
    {"ENOTSUP", ENOTSUP},
    {"EOPNOTSUPP", EOPNOTSUPP},
    {"ENOTSOCK", ENOTSOCK},
    {"EPROTONOSUPPORT", EPROTONOSUPPORT},
    {"EAFNOSUPPORT", EAFNOSUPPORT},
    {"EADDRINUSE", EADDRINUSE},
    {"EADDRNOTAVAIL", EADDRNOTAVAIL},
    {"ENETUNREACH", ENETUNREACH},
    {"ECONNREFUSED", ECONNREFUSED},
    {"EHOSTUNREACH", EHOSTUNREACH},
    {"ETIMEDOUT", ETIMEDOUT},
}};

// ---------------------------------------------------------------------------
// Errors and field paths

class Errors {
 public:
  explicit Errors(std::string file) : file_(std::move(file)) {}

  void add(std::string field, std::string reason) {
    errors_.push_back({file_, std::move(field), std::move(reason)});
  }
  bool empty() const { return errors_.empty(); }
  std::vector<ProfileError> take() { return std::move(errors_); }

 private:
  std::string file_;
  std::vector<ProfileError> errors_;
};

// A JSON string literal, ASCII-only, safe to print in any message.
std::string quote(std::string_view text) {
  return json(std::string(text))
      .dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "limits" + "memory" -> "limits.memory"; odd keys are quoted:
// "env.set" + "A B" -> "env.set[\"A B\"]".
std::string member_path(const std::string& parent, std::string_view key) {
  if (!is_plain_key(key)) return parent + "[" + quote(key) + "]";
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string element_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

template <class Range>
std::string join_quoted(const Range& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += quote(name);
  }
  return out;
}

template <class E, std::size_t N>
std::string join_enum_names(const std::array<EnumName<E>, N>& table) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return join_quoted(names);
}

// ---------------------------------------------------------------------------
// JSON text -> json, with duplicate-key detection

// nlohmann keeps the last of repeated keys silently. In a policy file that
// hides intent ("network" given twice), so repeated keys are errors. Fed
// by the parser callback; tracks the path of every open container.
class DuplicateKeyFinder {
 public:
  bool on_event(json::parse_event_t event, const json& parsed) {
    using Event = json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        open(event == Event::array_start);
        break;
      case Event::key:
        on_key(parsed.get<std::string>());
        break;
      case Event::object_end:
      case Event::array_end:
        if (!stack_.empty()) stack_.pop_back();
        break;
      case Event::value:
        if (!stack_.empty() && stack_.back().is_array) ++stack_.back().count;
        break;
    }
    return true;
  }

  const std::vector<std::string>& duplicates() const { return duplicates_; }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t count = 0;  // elements seen so far (arrays)
    std::string path;
    std::string last_key;        // objects
    std::set<std::string> keys;  // objects
  };

  void open(bool is_array) {
    std::string path;
    if (!stack_.empty()) {
      Frame& parent = stack_.back();
      path = parent.is_array ? element_path(parent.path, parent.count++)
                             : member_path(parent.path, parent.last_key);
    }
    stack_.push_back(Frame{is_array, 0, std::move(path), {}, {}});
  }

  void on_key(std::string key) {
    if (stack_.empty()) return;
    Frame& frame = stack_.back();
    if (!frame.keys.insert(key).second) {
      duplicates_.push_back(member_path(frame.path, key));
    }
    frame.last_key = std::move(key);
  }

  std::vector<Frame> stack_;
  std::vector<std::string> duplicates_;
};

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
std::string without_exception_tag(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const auto end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

std::optional<json> parse_json(const std::string& text, Errors& errors) {
  DuplicateKeyFinder finder;
  json root;
  try {
    root = json::parse(
        text,
        [&finder](int /*depth*/, json::parse_event_t event, json& parsed) {
          return finder.on_event(event, parsed);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::parse_error& error) {
    // allow_exceptions=false would lose the position; catch instead.
    errors.add("", "invalid JSON at byte " + std::to_string(error.byte) +
                       ": " + without_exception_tag(error.what()));
    return std::nullopt;
  }
  for (const std::string& path : finder.duplicates()) {
    errors.add(path, "duplicate key: each key may appear only once");
  }
  return root;
}

// ---------------------------------------------------------------------------
// JSON types

enum class Type { Object, Array, String, Boolean, Integer, Number };

std::string_view type_name(Type type) {
  switch (type) {
    case Type::Object: return "an object";
    case Type::Array: return "an array";
    case Type::String: return "a string";
    case Type::Boolean: return "a boolean";
    case Type::Integer: return "an integer";
    case Type::Number: return "a number";
  }
  return "a value";
}

std::string_view describe(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_null()) return "null";
  if (value.is_number_integer()) return "an integer";
  return "a floating-point number";
}

bool has_type(const json& value, Type type) {
  switch (type) {
    case Type::Object: return value.is_object();
    case Type::Array: return value.is_array();
    case Type::String: return value.is_string();
    case Type::Boolean: return value.is_boolean();
    case Type::Integer: return value.is_number_integer();
    case Type::Number: return value.is_number();
  }
  return false;
}

void type_error(std::string_view expected, const json& value,
                const std::string& path, Errors& errors) {
  errors.add(path, "expected " + std::string(expected) + ", got " +
                       std::string(describe(value)));
}

bool check_type(const json& value, Type type, const std::string& path,
                Errors& errors) {
  if (has_type(value, type)) return true;
  type_error(type_name(type), value, path, errors);
  return false;
}

// True when `value` is an object; every key not in `allowed` is reported.
bool check_object(const json& value, const std::string& path,
                  std::span<const std::string_view> allowed, Errors& errors) {
  if (!check_type(value, Type::Object, path, errors)) return false;
  for (const auto& [key, member] : value.items()) {
    bool known = false;
    for (const std::string_view name : allowed) known = known || name == key;
    if (!known) {
      errors.add(member_path(path, key),
                 "unknown field (expected one of: " + join_quoted(allowed) +
                     ")");
    }
  }
  return true;
}

// Calls apply(member, member_path) when `key` is present.
template <class Apply>
void optional_field(const json& object, std::string_view key,
                    const std::string& path, Apply&& apply) {
  const auto it = object.find(key);
  if (it != object.end()) apply(*it, member_path(path, key));
}

// Same, but a missing key is an error.
template <class Apply>
void required_field(const json& object, std::string_view key,
                    const std::string& path, Errors& errors, Apply&& apply) {
  const auto it = object.find(key);
  if (it == object.end()) {
    errors.add(member_path(path, key), "required field is missing");
    return;
  }
  apply(*it, member_path(path, key));
}

// Calls apply(element, element_path) for each element of an array.
template <class Apply>
void for_each_element(const json& array, const std::string& path,
                      Apply&& apply) {
  for (std::size_t i = 0; i < array.size(); ++i) {
    apply(array[i], element_path(path, i));
  }
}

template <class T>
void assign(std::optional<T>&& value, T& out) {
  if (value) out = std::move(*value);
}

// ---------------------------------------------------------------------------
// Scalar readers: return the value, or report and return nullopt

std::optional<std::string> read_string(const json& value,
                                       const std::string& path,
                                       Errors& errors) {
  if (!check_type(value, Type::String, path, errors)) return std::nullopt;
  return value.get<std::string>();
}

std::optional<bool> read_bool(const json& value, const std::string& path,
                              Errors& errors) {
  if (!check_type(value, Type::Boolean, path, errors)) return std::nullopt;
  return value.get<bool>();
}

std::optional<std::uint64_t> read_uint(const json& value,
                                       const std::string& path,
                                       Errors& errors) {
  if (!check_type(value, Type::Integer, path, errors)) return std::nullopt;
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  const auto signed_value = value.get<std::int64_t>();
  if (signed_value < 0) {
    errors.add(path, "must not be negative");
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(signed_value);
}

// A number of bytes, or a size string like "64M".
std::optional<std::uint64_t> read_size(const json& value,
                                       const std::string& path,
                                       Errors& errors) {
  if (value.is_number_integer()) return read_uint(value, path, errors);
  if (!value.is_string()) {
    type_error("a size (a number of bytes or a string like \"64M\")", value,
               path, errors);
    return std::nullopt;
  }
  std::string reason;
  const auto bytes = parse_size(value.get<std::string>(), reason);
  if (!bytes) errors.add(path, reason);
  return bytes;
}

// A number of milliseconds, or a duration string like "10s".
std::optional<std::uint64_t> read_duration(const json& value,
                                           const std::string& path,
                                           Errors& errors) {
  if (value.is_number_integer()) return read_uint(value, path, errors);
  if (!value.is_string()) {
    type_error(
        "a duration (a number of milliseconds or a string like \"10s\")",
        value, path, errors);
    return std::nullopt;
  }
  std::string reason;
  const auto ms = parse_duration_ms(value.get<std::string>(), reason);
  if (!ms) errors.add(path, reason);
  return ms;
}

template <class E, std::size_t N>
std::optional<E> read_enum(const json& value, const std::string& path,
                           Errors& errors,
                           const std::array<EnumName<E>, N>& table) {
  const auto text = read_string(value, path, errors);
  if (!text) return std::nullopt;
  for (const auto& entry : table) {
    if (entry.name == *text) return entry.value;
  }
  errors.add(path, "unknown value " + quote(*text) + " (expected one of: " +
                       join_enum_names(table) + ")");
  return std::nullopt;
}

// A string of `min_length`..`max_length` bytes without NUL.
std::optional<std::string> read_text(const json& value,
                                     const std::string& path, Errors& errors,
                                     std::size_t min_length,
                                     std::size_t max_length) {
  auto text = read_string(value, path, errors);
  if (!text) return std::nullopt;
  if (text->size() < min_length) {
    errors.add(path, "must not be empty");
    return std::nullopt;
  }
  if (text->size() > max_length) {
    errors.add(path, "is longer than " + std::to_string(max_length) +
                         " bytes");
    return std::nullopt;
  }
  if (text->find('\0') != std::string::npos) {
    errors.add(path, "must not contain NUL characters");
    return std::nullopt;
  }
  return text;
}

// ---------------------------------------------------------------------------
// Value checks

// Why `path` is not a normalised absolute path, or nullopt when it is.
std::optional<std::string> absolute_path_problem(std::string_view path) {
  if (path.empty()) return "must not be empty";
  if (path.size() > kMaxPathLength) {
    return "is longer than " + std::to_string(kMaxPathLength) + " bytes";
  }
  if (path.find('\0') != std::string_view::npos) {
    return "must not contain NUL characters";
  }
  if (path.front() != '/') return "must be an absolute path (start with '/')";
  if (path == "/") return std::nullopt;
  if (path.back() == '/') return "must not end with '/'";
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, end - start);
    if (component.empty()) return "must not contain '//'";
    if (component == "..") return "must not contain '..' components";
    if (component == ".") return "must not contain '.' components";
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> read_absolute_path(const json& value,
                                              const std::string& path,
                                              Errors& errors) {
  auto text = read_string(value, path, errors);
  if (!text) return std::nullopt;
  if (const auto problem = absolute_path_problem(*text)) {
    errors.add(path, quote(*text) + " " + *problem);
    return std::nullopt;
  }
  return text;
}

bool is_at_or_under(std::string_view path, std::string_view dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) &&
          path[dir.size()] == '/');
}

std::optional<std::string> reserved_target_problem(std::string_view target) {
  if (target == "/") return "must not be \"/\" (the sandbox root)";
  for (const std::string_view reserved : kReservedTargets) {
    if (is_at_or_under(target, reserved)) {
      return "must not be or be under " + quote(reserved) +
             " (the sandbox mounts it itself)";
    }
  }
  return std::nullopt;
}

bool is_name_char(char c, bool first) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '.' || c == '_' || c == '-'));
}

bool is_env_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_syscall_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxSyscallNameLength) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_hostname(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostnameLength) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "0755", "755", "1777" -> the mode; nullopt for anything else.
std::optional<std::uint32_t> parse_octal_mode(std::string_view text) {
  if (text.size() < 3 || text.size() > 4) return std::nullopt;
  std::uint32_t mode = 0;
  for (const char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  if (mode > kMaxTmpfsMode) return std::nullopt;
  return mode;
}

// Allowed values of a numeric limit. Zero is checked separately because
// for most limits it means "no limit".
struct Range {
  std::uint64_t min;
  std::uint64_t max;
  bool zero_means_none;
};

using Formatter = std::string (*)(std::uint64_t);

std::string format_count(std::uint64_t value) { return std::to_string(value); }

bool check_range(std::uint64_t value, const Range& range, Formatter format,
                 const std::string& path, Errors& errors) {
  if (value == 0) {
    if (range.zero_means_none) return true;
    errors.add(path, "must be greater than 0");
    return false;
  }
  if (value < range.min) {
    errors.add(path, std::string(range.zero_means_none
                                     ? "must be 0 (no limit) or at least "
                                     : "must be at least ") +
                         format(range.min));
    return false;
  }
  if (value > range.max) {
    errors.add(path, "must be at most " + format(range.max));
    return false;
  }
  return true;
}

// Reports a repeated value; `seen` maps each value to its first field path.
bool check_unique(const std::string& value, const std::string& path,
                  std::map<std::string, std::string>& seen, Errors& errors) {
  const auto [it, inserted] = seen.emplace(value, path);
  if (inserted) return true;
  errors.add(path, quote(value) + " is repeated (first at " + it->second + ")");
  return false;
}

// ---------------------------------------------------------------------------
// Sections

void parse_identity(const json& root, Profile& profile, Errors& errors) {
  required_field(root, "schema", "", errors,
                 [&](const json& value, const std::string& path) {
                   if (!check_type(value, Type::Integer, path, errors)) return;
                   if (value.is_number_integer() &&
                       value != json(kSchemaVersion)) {
                     errors.add(path, "unsupported schema version " +
                                          value.dump() + " (expected " +
                                          std::to_string(kSchemaVersion) +
                                          ")");
                   }
                 });
  required_field(
      root, "name", "", errors, [&](const json& value, const std::string& path) {
        const auto name = read_string(value, path, errors);
        if (!name) return;
        if (!is_valid_profile_name(*name)) {
          errors.add(path, quote(*name) +
                               " is not a valid profile name (must match "
                               "^[a-z0-9][a-z0-9._-]{0,63}$)");
          return;
        }
        profile.name = *name;
      });
  required_field(root, "version", "", errors,
                 [&](const json& value, const std::string& path) {
                   assign(read_text(value, path, errors, 1, kMaxVersionLength),
                          profile.version);
                 });
  optional_field(root, "description", "",
                 [&](const json& value, const std::string& path) {
                   assign(read_text(value, path, errors, 0,
                                    kMaxDescriptionLength),
                          profile.description);
                 });
  optional_field(root, "owner", "",
                 [&](const json& value, const std::string& path) {
                   assign(read_text(value, path, errors, 0, kMaxOwnerLength),
                          profile.owner);
                 });
}

void parse_exec(const json& root, Profile& profile, Errors& errors) {
  required_field(
      root, "exec", "", errors, [&](const json& value, const std::string& path) {
        if (!check_type(value, Type::Array, path, errors)) return;
        if (value.empty()) {
          errors.add(path, "must list at least one executable");
          return;
        }
        std::map<std::string, std::string> seen;
        for_each_element(value, path, [&](const json& element,
                                          const std::string& element_path) {
          const auto exe = read_absolute_path(element, element_path, errors);
          if (exe && check_unique(*exe, element_path, seen, errors)) {
            profile.exec.push_back(*exe);
          }
        });
      });
}

// Every mount target in the sandbox: not reserved, not repeated.
class MountTargets {
 public:
  explicit MountTargets(Errors& errors) : errors_(errors) {}

  void add(const std::string& target, const std::string& path) {
    if (const auto problem = reserved_target_problem(target)) {
      errors_.add(path, quote(target) + " " + *problem);
      return;
    }
    const auto [it, inserted] = seen_.emplace(target, path);
    if (!inserted) {
      errors_.add(path, "mount target " + quote(target) +
                            " is already used by " + it->second);
    }
  }

 private:
  Errors& errors_;
  std::map<std::string, std::string> seen_;  // target -> field path
};

std::optional<BindMount> parse_bind_object(const json& value,
                                           const std::string& path,
                                           MountTargets& targets,
                                           Errors& errors) {
  if (!check_object(value, path, kBindKeys, errors)) return std::nullopt;
  BindMount bind;
  std::optional<std::string> source;
  std::optional<std::string> target;
  required_field(value, "source", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   source = read_absolute_path(member, member_path_, errors);
                 });
  optional_field(value, "target", path,
                 [&](const json& member, const std::string& member_path_) {
                   target = read_absolute_path(member, member_path_, errors);
                 });
  optional_field(value, "writable", path,
                 [&](const json& member, const std::string& member_path_) {
                   assign(read_bool(member, member_path_, errors),
                          bind.writable);
                 });
  optional_field(value, "optional", path,
                 [&](const json& member, const std::string& member_path_) {
                   assign(read_bool(member, member_path_, errors),
                          bind.optional);
                 });
  if (!source) return std::nullopt;
  const bool target_given = value.contains("target");
  if (target_given && !target) return std::nullopt;
  bind.source = *source;
  bind.target = target_given ? *target : *source;
  targets.add(bind.target,
              member_path(path, target_given ? "target" : "source"));
  return bind;
}

void parse_binds(const json& value, const std::string& path, Profile& profile,
                 MountTargets& targets, Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    if (element.is_string()) {
      const auto source = read_absolute_path(element, element_path_, errors);
      if (!source) return;
      targets.add(*source, element_path_);
      profile.binds.push_back(BindMount{*source, *source, false, false});
      return;
    }
    if (!element.is_object()) {
      type_error("a path string or an object", element, element_path_,
                 errors);
      return;
    }
    if (auto bind = parse_bind_object(element, element_path_, targets, errors)) {
      profile.binds.push_back(std::move(*bind));
    }
  });
}

void parse_tmpfs_entry(const json& value, const std::string& path,
                       Profile& profile, MountTargets& targets,
                       Errors& errors) {
  if (!check_object(value, path, kTmpfsKeys, errors)) return;
  TmpfsMount mount;
  required_field(value, "target", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   const auto target =
                       read_absolute_path(member, member_path_, errors);
                   if (!target) return;
                   targets.add(*target, member_path_);
                   mount.target = *target;
                 });
  required_field(value, "size", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   const auto size = read_size(member, member_path_, errors);
                   if (size && check_range(*size, {1, kMaxTmpfsBytes, false},
                                           format_size, member_path_, errors)) {
                     mount.size_bytes = *size;
                   }
                 });
  optional_field(value, "mode", path,
                 [&](const json& member, const std::string& member_path_) {
                   if (!member.is_string()) {
                     type_error("an octal mode string like \"0755\"", member,
                                member_path_, errors);
                     return;
                   }
                   const auto mode = parse_octal_mode(member.get<std::string>());
                   if (!mode) {
                     errors.add(member_path_,
                                quote(member.get<std::string>()) +
                                    " is not an octal mode (expected 3 or 4 "
                                    "octal digits, like \"0755\" or \"1777\")");
                     return;
                   }
                   mount.mode = *mode;
                 });
  profile.tmpfs.push_back(std::move(mount));
}

void parse_tmpfs(const json& value, const std::string& path, Profile& profile,
                 MountTargets& targets, Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    parse_tmpfs_entry(element, element_path_, profile, targets, errors);
  });
}

void parse_workspace(const json& value, const std::string& path,
                     Workspace& workspace, MountTargets& targets,
                     Errors& errors) {
  if (!check_object(value, path, kWorkspaceKeys, errors)) return;
  std::optional<WorkspaceMode> mode;
  required_field(value, "mode", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   mode = read_enum(member, member_path_, errors,
                                    kWorkspaceModes);
                 });
  bool target_ok = true;
  optional_field(value, "target", path,
                 [&](const json& member, const std::string& member_path_) {
                   const auto target =
                       read_absolute_path(member, member_path_, errors);
                   target_ok = target.has_value();
                   if (target) workspace.target = *target;
                 });
  optional_field(value, "size", path,
                 [&](const json& member, const std::string& member_path_) {
                   if (mode && *mode != WorkspaceMode::Tmpfs) {
                     errors.add(member_path_,
                                "only allowed when mode is \"tmpfs\"");
                     return;
                   }
                   const auto size = read_size(member, member_path_, errors);
                   if (size && check_range(*size, {1, kMaxTmpfsBytes, false},
                                           format_size, member_path_, errors)) {
                     workspace.tmpfs_size_bytes = *size;
                   }
                 });
  if (!mode) return;
  workspace.mode = *mode;
  if (*mode != WorkspaceMode::None && target_ok) {
    targets.add(workspace.target, member_path(path, "target"));
  }
}

void parse_filesystem(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "filesystem", "", [&](const json& value,
                                             const std::string& path) {
    if (!check_object(value, path, kFilesystemKeys, errors)) return;
    MountTargets targets(errors);
    optional_field(value, "binds", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_binds(member, member_path_, profile, targets,
                                 errors);
                   });
    optional_field(value, "tmpfs", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_tmpfs(member, member_path_, profile, targets,
                                 errors);
                   });
    optional_field(value, "workspace", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_workspace(member, member_path_, profile.workspace,
                                     targets, errors);
                   });
  });
}

void parse_network(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "network", "",
                 [&](const json& value, const std::string& path) {
                   assign(read_enum(value, path, errors, kNetworkModes),
                          profile.network);
                 });
}

enum class Quantity { Duration, Size, Count };

struct IntegerLimit {
  std::string_view key;
  Quantity quantity;
  std::uint64_t Limits::*field;
  Range range;
};

constexpr std::array<IntegerLimit, 9> kIntegerLimits{{
    {"wall_time", Quantity::Duration, &Limits::wall_time_ms,
     {1, 24 * kHourMs, false}},
    {"cpu_time", Quantity::Duration, &Limits::cpu_time_ms,
     {1, kUnbounded, true}},
    {"memory", Quantity::Size, &Limits::memory_bytes,
     {4 * kMiB, kUnbounded, true}},
    {"pids", Quantity::Count, &Limits::pids, {1, 65536, true}},
    {"open_files", Quantity::Count, &Limits::open_files, {16, 1048576, true}},
    {"file_size", Quantity::Size, &Limits::file_size_bytes,
     {1, kUnbounded, true}},
    {"stdout", Quantity::Size, &Limits::stdout_bytes, {1, kGiB, false}},
    {"stderr", Quantity::Size, &Limits::stderr_bytes, {1, kGiB, false}},
    {"disk", Quantity::Size, &Limits::disk_bytes, {1, kUnbounded, true}},
}};

constexpr std::array<std::string_view, 11> kLimitsKeys{
    "wall_time", "cpu_time", "memory",    "pids",           "open_files", "file_size",
    "stdout",    "stderr",   "cpu_cores", "on_output_limit", "disk"};

void parse_integer_limit(const json& value, const std::string& path,
                         const IntegerLimit& limit, Limits& limits,
                         Errors& errors) {
  std::optional<std::uint64_t> amount;
  Formatter format = format_count;
  switch (limit.quantity) {
    case Quantity::Duration:
      amount = read_duration(value, path, errors);
      format = format_duration_ms;
      break;
    case Quantity::Size:
      amount = read_size(value, path, errors);
      format = format_size;
      break;
    case Quantity::Count:
      amount = read_uint(value, path, errors);
      break;
  }
  if (amount && check_range(*amount, limit.range, format, path, errors)) {
    limits.*limit.field = *amount;
  }
}

void parse_cpu_cores(const json& value, const std::string& path,
                     Limits& limits, Errors& errors) {
  if (!check_type(value, Type::Number, path, errors)) return;
  const double cores = value.get<double>();
  if (!(cores >= 0 && cores <= kMaxCpuCores)) {
    errors.add(path, "must be 0 (no limit) or a number greater than 0 and "
                     "at most 1024");
    return;
  }
  limits.cpu_cores = cores == 0 ? 0.0 : cores;  // normalises -0.0
}

void parse_limits(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "limits", "", [&](const json& value,
                                         const std::string& path) {
    if (!check_object(value, path, kLimitsKeys, errors)) return;
    for (const IntegerLimit& limit : kIntegerLimits) {
      optional_field(value, limit.key, path,
                     [&](const json& member, const std::string& member_path_) {
                       parse_integer_limit(member, member_path_, limit,
                                           profile.limits, errors);
                     });
    }
    optional_field(value, "cpu_cores", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_cpu_cores(member, member_path_, profile.limits,
                                     errors);
                   });
    optional_field(value, "on_output_limit", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_enum(member, member_path_, errors,
                                      kOutputLimitActions),
                            profile.limits.on_output_limit);
                   });
  });
}

bool check_env_name(const std::string& name, const std::string& path,
                    Errors& errors) {
  if (is_env_name(name)) return true;
  errors.add(path, quote(name) +
                       " is not a valid variable name (must match "
                       "^[A-Za-z_][A-Za-z0-9_]*$)");
  return false;
}

void parse_env_set(const json& value, const std::string& path,
                   Environment& env, Errors& errors) {
  if (!check_type(value, Type::Object, path, errors)) return;
  for (const auto& [name, member] : value.items()) {
    const std::string member_path_ = member_path(path, name);
    const bool name_ok = check_env_name(name, member_path_, errors);
    const auto text = read_string(member, member_path_, errors);
    if (text && text->find('\0') != std::string::npos) {
      errors.add(member_path_, "must not contain NUL characters");
      continue;
    }
    if (name_ok && text) env.set[name] = *text;
  }
}

void parse_env_pass(const json& value, const std::string& path,
                    Environment& env, Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  std::map<std::string, std::string> seen;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    const auto name = read_string(element, element_path_, errors);
    if (name && check_env_name(*name, element_path_, errors) &&
        check_unique(*name, element_path_, seen, errors)) {
      env.pass.push_back(*name);
    }
  });
}

void parse_env(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "env", "", [&](const json& value,
                                      const std::string& path) {
    if (!check_object(value, path, kEnvKeys, errors)) return;
    optional_field(value, "set", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_env_set(member, member_path_, profile.env, errors);
                   });
    optional_field(value, "pass", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_env_pass(member, member_path_, profile.env, errors);
                   });
  });
}

std::optional<std::string> read_syscall_name(const json& value,
                                             const std::string& path,
                                             Errors& errors) {
  auto name = read_string(value, path, errors);
  if (!name) return std::nullopt;
  if (!is_syscall_name(*name)) {
    errors.add(path, quote(*name) +
                         " is not a valid syscall name (must match "
                         "^[a-z0-9_]{1,64}$)");
    return std::nullopt;
  }
  return name;
}

std::optional<int> read_errno(const json& value, const std::string& path,
                              Errors& errors) {
  if (!value.is_string()) {
    type_error("an errno name string like \"EPERM\"", value, path, errors);
    return std::nullopt;
  }
  return read_enum(value, path, errors, kErrnoNames);
}

std::optional<SyscallDeny> parse_deny_object(const json& value,
                                             const std::string& path,
                                             SyscallAction default_action,
                                             Errors& errors) {
  if (!check_object(value, path, kDenyKeys, errors)) return std::nullopt;
  SyscallDeny deny;
  bool name_ok = false;
  required_field(value, "name", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   const auto name = read_syscall_name(member, member_path_,
                                                       errors);
                   name_ok = name.has_value();
                   if (name) deny.name = *name;
                 });
  optional_field(value, "action", path,
                 [&](const json& member, const std::string& member_path_) {
                   deny.action = read_enum(member, member_path_, errors,
                                           kSyscallActions);
                 });
  optional_field(value, "errno", path,
                 [&](const json& member, const std::string& member_path_) {
                   const SyscallAction action =
                       deny.action.value_or(default_action);
                   if (action != SyscallAction::Errno) {
                     errors.add(member_path_,
                                "only allowed when the action is \"errno\"");
                     return;
                   }
                   deny.errno_value = read_errno(member, member_path_, errors);
                 });
  if (!name_ok) return std::nullopt;
  return deny;
}

void parse_deny_list(const json& value, const std::string& path,
                     Syscalls& syscalls,
                     std::map<std::string, std::string>& denied,
                     Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    std::optional<SyscallDeny> deny;
    std::string name_path = element_path_;
    if (element.is_string()) {
      const auto name = read_syscall_name(element, element_path_, errors);
      if (name) deny = SyscallDeny{*name, std::nullopt, std::nullopt};
    } else if (element.is_object()) {
      deny = parse_deny_object(element, element_path_, syscalls.action,
                               errors);
      name_path = member_path(element_path_, "name");
    } else {
      type_error("a syscall name string or an object", element,
                 element_path_, errors);
    }
    if (deny && check_unique(deny->name, name_path, denied, errors)) {
      syscalls.deny.push_back(std::move(*deny));
    }
  });
}

void parse_dangerous_allow(const json& value, const std::string& path,
                           Syscalls& syscalls,
                           const std::map<std::string, std::string>& denied,
                           Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  std::map<std::string, std::string> seen;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    const auto name = read_syscall_name(element, element_path_, errors);
    if (!name || !check_unique(*name, element_path_, seen, errors)) return;
    if (const auto it = denied.find(*name); it != denied.end()) {
      errors.add(element_path_, quote(*name) + " is also denied at " +
                                    it->second);
      return;
    }
    syscalls.dangerous_allow.push_back(*name);
  });
}

void parse_syscalls(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "syscalls", "", [&](const json& value,
                                           const std::string& path) {
    if (!check_object(value, path, kSyscallsKeys, errors)) return;
    Syscalls& syscalls = profile.syscalls;
    optional_field(value, "action", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_enum(member, member_path_, errors,
                                      kSyscallActions),
                            syscalls.action);
                   });
    optional_field(value, "errno", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_errno(member, member_path_, errors),
                            syscalls.errno_value);
                   });
    std::map<std::string, std::string> denied;  // name -> field path
    optional_field(value, "deny", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_deny_list(member, member_path_, syscalls, denied,
                                     errors);
                   });
    optional_field(value, "dangerous_allow", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_dangerous_allow(member, member_path_, syscalls,
                                           denied, errors);
                   });
  });
}

bool is_optional_control(const std::string& name) {
  for (const std::string& control : optional_control_names()) {
    if (control == name) return true;
  }
  return false;
}

void parse_require(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "require", "", [&](const json& value,
                                          const std::string& path) {
    if (!check_type(value, Type::Array, path, errors)) return;
    std::map<std::string, std::string> seen;
    for_each_element(value, path, [&](const json& element,
                                      const std::string& element_path_) {
      const auto name = read_string(element, element_path_, errors);
      if (!name) return;
      if (!is_optional_control(*name)) {
        errors.add(element_path_,
                   "unknown control " + quote(*name) + " (expected one of: " +
                       join_quoted(optional_control_names()) + ")");
        return;
      }
      if (check_unique(*name, element_path_, seen, errors)) {
        profile.require.push_back(*name);
      }
    });
  });
}

void parse_id(const json& root, std::string_view key, std::uint32_t& out,
              Errors& errors) {
  optional_field(root, key, "", [&](const json& value,
                                    const std::string& path) {
    const auto id = read_uint(value, path, errors);
    if (!id) return;
    if (*id == 0) {
      errors.add(path, "must not be 0: the tool never runs as root");
      return;
    }
    if (*id > kMaxId) {
      errors.add(path, "must be between 1 and " + std::to_string(kMaxId));
      return;
    }
    out = static_cast<std::uint32_t>(*id);
  });
}

void parse_host_identity(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "hostname", "",
                 [&](const json& value, const std::string& path) {
                   const auto name = read_string(value, path, errors);
                   if (!name) return;
                   if (!is_hostname(*name)) {
                     errors.add(path, quote(*name) +
                                          " is not a valid hostname (1 to 64 "
                                          "characters of A-Z a-z 0-9 . -)");
                     return;
                   }
                   profile.hostname = *name;
                 });
  parse_id(root, "uid", profile.uid, errors);
  parse_id(root, "gid", profile.gid, errors);
}

void parse_tool(const json& root, Profile& profile, Errors& errors) {
  if (!root.contains("tool")) return;
  FieldErrors field_errors;
  profile.tool = parse_tool_definition(root["tool"], "tool", field_errors);
  for (auto& [field, reason] : field_errors) errors.add(field, reason);
  if (!profile.tool) return;
  if (profile.tool->name.empty()) profile.tool->name = profile.name;
  const std::string& a0 = profile.tool->argv.front().text;
  bool allowed = false;
  for (const auto& e : profile.exec) allowed = allowed || e == a0 || e.substr(e.rfind('/') + 1) == a0;
  if (!allowed) errors.add("tool.argv[0]", "'" + a0 + "' is not one of the profile's exec entries");
}

void parse_output_rules(const json& value, const std::string& path,
                        OutputPolicy& output, Errors& errors) {
  if (!check_type(value, Type::Array, path, errors)) return;
  std::map<std::string, std::string> seen;
  for_each_element(value, path, [&](const json& element,
                                    const std::string& element_path_) {
    const auto file = read_text(element, element_path_, errors, 1, 4096);
    if (!file) return;
    if (check_unique(*file, element_path_, seen, errors)) {
      output.rules.push_back(*file);
    }
  });
}

void parse_output(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "output", "", [&](const json& value,
                                         const std::string& path) {
    if (!check_object(value, path, kOutputKeys, errors)) return;
    OutputPolicy& output = profile.output;
    optional_field(value, "dangerous_disable_redaction", path,
                   [&](const json& member, const std::string& member_path_) {
                     const auto off = read_bool(member, member_path_, errors);
                     if (off) output.redact = !*off;
                   });
    optional_field(value, "fingerprint", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_bool(member, member_path_, errors),
                            output.fingerprint);
                   });
    optional_field(value, "pii", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_bool(member, member_path_, errors),
                            output.pii);
                   });
    optional_field(value, "control_chars", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_enum(member, member_path_, errors,
                                      kControlCharModes),
                            output.control_chars);
                   });
    optional_field(value, "max_data_class", path,
                   [&](const json& member, const std::string& member_path_) {
                     const auto cls = read_enum(member, member_path_, errors,
                                                kDataClasses);
                     if (cls) output.max_data_class = std::string(*cls);
                   });
    optional_field(value, "injection", path,
                   [&](const json& member, const std::string& member_path_) {
                     assign(read_enum(member, member_path_, errors,
                                      kInjectionActions),
                            output.injection);
                   });
    optional_field(value, "injection_threshold", path,
                   [&](const json& member, const std::string& member_path_) {
                     if (!check_type(member, Type::Number, member_path_,
                                     errors)) {
                       return;
                     }
                     const double t = member.get<double>();
                     if (!(t > 0 && t <= 1)) {
                       errors.add(member_path_,
                                  "must be a number greater than 0 and at "
                                  "most 1");
                       return;
                     }
                     output.injection_threshold = t;
                   });
    optional_field(value, "rules", path,
                   [&](const json& member, const std::string& member_path_) {
                     parse_output_rules(member, member_path_, output, errors);
                   });
  });
}

void parse_secret(const json& value, const std::string& path, Profile& profile,
                  std::map<std::string, std::string>& names,
                  std::map<std::string, std::string>& targets, Errors& errors) {
  if (!check_object(value, path, kSecretKeys, errors)) return;
  SecretGrant grant;
  bool ok = true;
  required_field(value, "name", path, errors,
                 [&](const json& member, const std::string& member_path_) {
                   const auto name = read_string(member, member_path_, errors);
                   if (!name) {
                     ok = false;
                     return;
                   }
                   if (!is_valid_secret_name(*name)) {
                     errors.add(member_path_, quote(*name) +
                                                  " is not a valid secret name "
                                                  "(1 to 64 of A-Z a-z 0-9 _ . -)");
                     ok = false;
                     return;
                   }
                   ok = check_unique(*name, member_path_, names, errors) && ok;
                   grant.name = *name;
                 });
  const bool has_env = value.contains("env");
  const bool has_file = value.contains("file");
  if (has_env == has_file) {
    errors.add(path, "give exactly one of \"env\" (a variable name) or "
                     "\"file\" (an absolute path)");
    return;
  }
  optional_field(value, "env", path,
                 [&](const json& member, const std::string& member_path_) {
                   const auto name = read_string(member, member_path_, errors);
                   if (!name || !check_env_name(*name, member_path_, errors)) {
                     ok = false;
                     return;
                   }
                   if (profile.env.set.count(*name) ||
                       std::find(profile.env.pass.begin(), profile.env.pass.end(),
                                 *name) != profile.env.pass.end()) {
                     errors.add(member_path_, quote(*name) +
                                                  " is also in env.set or env.pass");
                     ok = false;
                     return;
                   }
                   ok = check_unique("env:" + *name, member_path_, targets, errors) && ok;
                   grant.env = *name;
                 });
  optional_field(value, "file", path,
                 [&](const json& member, const std::string& member_path_) {
                   const auto file = read_absolute_path(member, member_path_, errors);
                   if (!file) {
                     ok = false;
                     return;
                   }
                   const auto slash = file->rfind('/');
                   if (slash == 0 || *file == "/") {
                     errors.add(member_path_, "must be inside a directory "
                                              "(e.g. /run/secrets/token), not at the root");
                     ok = false;
                     return;
                   }
                   if (auto problem = reserved_target_problem(file->substr(0, slash))) {
                     errors.add(member_path_, *problem);
                     ok = false;
                     return;
                   }
                   ok = check_unique("file:" + *file, member_path_, targets, errors) && ok;
                   grant.file = *file;
                 });
  if (ok) profile.secrets.push_back(std::move(grant));
}

void parse_secrets(const json& root, Profile& profile, Errors& errors) {
  optional_field(root, "secrets", "", [&](const json& value,
                                          const std::string& path) {
    if (!check_type(value, Type::Array, path, errors)) return;
    std::map<std::string, std::string> names;
    std::map<std::string, std::string> targets;
    for_each_element(value, path, [&](const json& element,
                                      const std::string& element_path_) {
      parse_secret(element, element_path_, profile, names, targets, errors);
    });
  });
}

// Relative rules files are relative to the profile's own directory.
void resolve_output_rules(Profile& profile, const std::string& origin) {
  const auto slash = origin.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : origin.substr(0, slash);
  for (std::string& file : profile.output.rules) {
    if (!file.empty() && file.front() != '/') file = dir + "/" + file;
  }
}

void parse_document(const json& root, Profile& profile, Errors& errors) {
  if (!root.is_object()) {
    errors.add("", "a profile must be a JSON object, got " +
                       std::string(describe(root)));
    return;
  }
  check_object(root, "", kTopLevelKeys, errors);
  parse_identity(root, profile, errors);
  parse_exec(root, profile, errors);
  parse_filesystem(root, profile, errors);
  parse_network(root, profile, errors);
  parse_limits(root, profile, errors);
  parse_env(root, profile, errors);
  parse_syscalls(root, profile, errors);
  parse_require(root, profile, errors);
  parse_host_identity(root, profile, errors);
  parse_tool(root, profile, errors);
  parse_output(root, profile, errors);
  parse_secrets(root, profile, errors);
}

ProfileLoad failure(const std::string& file, std::string reason) {
  ProfileLoad load;
  load.errors.push_back({file, "", std::move(reason)});
  return load;
}

ProfileLoad parse_text(const std::string& text, const std::string& origin) {
  Errors errors(origin);
  const auto root = parse_json(text, errors);
  Profile profile;
  if (root) parse_document(*root, profile, errors);
  ProfileLoad load;
  if (!errors.empty()) {
    load.errors = errors.take();
    return load;
  }
  profile.source_path = origin;
  resolve_output_rules(profile, origin);
  profile.content_sha256 = sha256_hex(text);
  load.profile = std::make_shared<const Profile>(std::move(profile));
  return load;
}

// ---------------------------------------------------------------------------
// Files

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string too_large(std::uint64_t size) {
  return "file is too large (" + std::to_string(size) +
         " bytes; the limit is " + format_size(kMaxFileBytes) + ")";
}

// Reads a regular file of at most kMaxFileBytes. On failure returns nullopt
// and sets `error`.
std::optional<std::string> read_small_file(const std::string& path,
                                           std::string& error) {
  if (path.empty() || path.find('\0') != std::string::npos) {
    error = "invalid file name";
    return std::nullopt;
  }
  // O_NONBLOCK: opening a FIFO must not hang; it is rejected below.
  const UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    error = "cannot open: " + errno_text(errno);
    return std::nullopt;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    error = "cannot stat: " + errno_text(errno);
    return std::nullopt;
  }
  if (!S_ISREG(info.st_mode)) {
    error = "not a regular file";
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(info.st_size) > kMaxFileBytes) {
    error = too_large(static_cast<std::uint64_t>(info.st_size));
    return std::nullopt;
  }
  std::string contents;
  char buffer[16 * 1024];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read: " + errno_text(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > kMaxFileBytes) {  // grew while we read it
      error = too_large(contents.size());
      return std::nullopt;
    }
  }
  return contents;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API

std::string ProfileError::to_string() const {
  if (field.empty()) return file + ": " + reason;
  return file + ": " + field + ": " + reason;
}

std::vector<std::string> Profile::dangerous_opt_ins() const {
  std::vector<std::string> out;
  if (network == NetworkMode::DangerousHostNetwork) {
    out.emplace_back("dangerous_host_network");
  }
  for (const std::string& syscall : syscalls.dangerous_allow) {
    out.push_back("dangerous_allow:" + syscall);
  }
  if (!output.redact) out.emplace_back("dangerous_disable_redaction");
  return out;
}

const std::vector<std::string>& optional_control_names() {
  static const std::vector<std::string> names{
      "landlock", "cgroup_memory", "cgroup_pids", "cgroup_cpu",
      "clear_groups"};
  return names;
}

bool is_valid_secret_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_profile_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0)) return false;
  }
  return true;
}

ProfileLoad parse_profile(const std::string& text, const std::string& origin) {
  try {
    return parse_text(text, origin);
  } catch (const std::exception& error) {
    return failure(origin, std::string("internal error: ") + error.what());
  } catch (...) {
    return failure(origin, "internal error");
  }
}

ProfileLoad load_profile(const std::string& path) {
  try {
    std::string error;
    const auto contents = read_small_file(path, error);
    if (!contents) return failure(path, error);
    return parse_profile(*contents, path);
  } catch (const std::exception& error) {
    return failure(path, std::string("internal error: ") + error.what());
  } catch (...) {
    return failure(path, "internal error");
  }
}

}  // namespace cordon
