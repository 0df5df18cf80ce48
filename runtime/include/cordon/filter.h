// Output filter: terminal sanitising, secret/PII redaction, data
// classification and prompt-injection flags for text a tool prints.
//
// Usage: load one RuleSet per process (it is immutable and thread-safe to
// share), then create one StreamFilter per output stream per call:
//
//   auto rules = cordon::RuleSet::load_default();          // throws RuleError
//   cordon::StreamFilter f(rules, {});
//   f.add_exact_value("db-password", injected_password);    // before feed()
//   out += f.feed(chunk1); out += f.feed(chunk2); out += f.finish();
//   nlohmann::ordered_json j = cordon::to_json(f.report());
//
// Guarantees:
// - Everything returned by feed()/finish() is valid UTF-8 with no ANSI
//   escape sequences and no C0/C1 control characters other than \n, \t and
//   (if FilterOptions::keep_cr) \r. In ControlMode::escape, control bytes are
//   shown as visible text ("\x1b") instead of being removed.
// - Matching runs on the sanitised text, so a secret broken up by colour
//   codes or split across feed() calls is still found.
// - Memory is bounded: the filter holds back at most RuleSet::holdback()
//   bytes (plus a fixed context window) whatever the output size.
// - A finding is replaced by "[REDACTED:<rule-id>]" or, with
//   FilterOptions::fingerprint, "[REDACTED:<rule-id>:<8 hex>]" where the hex
//   is HMAC-SHA256(per-filter random key, value): equal values map to equal
//   tags within one filter, and nothing is reversible.
// - The report never contains matched values.
//
// Loading: RuleSet::load_* compile the rules with Hyperscan (about a second
// for the shipped set) unless a trusted cache file for exactly these rules
// exists: the build's sidecar next to the shipped rules, or one in
// RuleLoadOptions::cache_dir / $CORDON_RULES_CACHE (see RuleLoadOptions).
// Speed: one Hyperscan stream scans for secrets, injection phrases and
// keywords together; personal-data rules run only in small windows around
// their keywords or prefilters (runtime/rules/README.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon {

// Ordered: public < internal < confidential < restricted.
enum class DataClass { public_ = 0, internal = 1, confidential = 2, restricted = 3 };
std::string_view data_class_name(DataClass c);
// Parses "public"/"internal"/"confidential"/"restricted"; false if unknown.
bool parse_data_class(std::string_view s, DataClass& out);

// Every problem found while loading rules, each as "file: rule 'id': reason".
class RuleError : public std::runtime_error {
 public:
  explicit RuleError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct RuleInfo {
  std::string id;
  std::string kind;  // "secret" or "pii"
  DataClass data_class;
};

namespace filter_detail {
struct Compiled;  // Hyperscan databases and rule tables (src/filter)
}

// $CORDON_RULES_CACHE, or "" when unset.
std::string default_rules_cache_dir();

// Where compiled rule sets may be cached. Compiling the shipped rules takes
// about a second; a cached set loads in milliseconds. A cache file is named
// after the SHA-256 of the exact rules content, the Hyperscan version and
// platform and the cache format, so any change means a miss. A cache file is
// used only if it is a regular file owned by the effective uid (or by root)
// and not group- or world-writable; a file that fails a check, is truncated
// or corrupt, or was made for another key is ignored and the rules are
// compiled. New cache files are written atomically (temporary file +
// rename) with mode 0600. The rules are always read and checked for errors;
// only the compiled databases come from the cache.
struct RuleLoadOptions {
  // Directory to read cache files from and write them to ("": none).
  std::string cache_dir = default_rules_cache_dir();
  // Also try the read-only sidecars built with the shipped rules
  // ("<default_rules_path()>.hsdb" and the build tree's rules/rules.json.hsdb).
  bool use_sidecar = true;
};

// How a RuleSet was obtained (RuleSet::load_info()).
struct RuleLoadInfo {
  bool from_cache = false;          // databases deserialised, not compiled
  std::string cache_file;           // the cache file used, or written after compiling ("" if none)
  std::vector<std::string> notes;   // cache files ignored or not written, and why
  double load_ms = 0;               // wall time of the whole load
};

// Rules compiled into Hyperscan streaming databases. Immutable.
class RuleSet {
 public:
  // Loads one or more rules files; later files override rules with the same
  // id (operators extend or override the shipped set per profile).
  // Throws RuleError listing every problem (file, rule id, reason).
  static std::shared_ptr<const RuleSet> load_files(const std::vector<std::string>& paths);
  // Same, from JSON text; `origin` names it in error messages.
  static std::shared_ptr<const RuleSet> load_json(std::string_view json_text, std::string origin = "<string>");
  // The shipped runtime/rules/rules.json (installed path first, then the
  // source tree). Throws RuleError if it cannot be found or loaded.
  static std::shared_ptr<const RuleSet> load_default();
  static std::string default_rules_path();
  // The same, with explicit cache options (the overloads above use
  // RuleLoadOptions{}: $CORDON_RULES_CACHE and the sidecars).
  static std::shared_ptr<const RuleSet> load_files(const std::vector<std::string>& paths, const RuleLoadOptions& opts);
  static std::shared_ptr<const RuleSet> load_json(std::string_view json_text, std::string origin, const RuleLoadOptions& opts);
  static std::shared_ptr<const RuleSet> load_default(const RuleLoadOptions& opts);

  // Whether the compiled databases came from a cache file, which one, and
  // how long loading took.
  bool from_cache() const;
  const RuleLoadInfo& load_info() const;
  // Hex key naming this set in caches (rules content + Hyperscan version,
  // platform, cache format).
  const std::string& cache_key() const;
  // Writes the compiled set to `path` atomically with `mode` (the build's
  // sidecar uses 0644). Returns "" or the reason it failed.
  std::string save_cache(const std::string& path, unsigned mode = 0600) const;

  std::string version() const;
  const std::vector<RuleInfo>& rules() const;
  std::size_t count_kind(std::string_view kind) const;
  // Longest text any rule can match: the filter's hold-back bound.
  std::size_t holdback() const;

  ~RuleSet();
  explicit RuleSet(std::unique_ptr<filter_detail::Compiled> c);
  const filter_detail::Compiled& compiled() const { return *c_; }

 private:
  std::unique_ptr<filter_detail::Compiled> c_;
};

enum class ControlMode { strip, escape };

struct FilterOptions {
  bool redact = true;              // false: detect and count only, emit text unchanged (still sanitised)
  bool fingerprint = false;        // append ":<8 hex>" keyed fingerprint to tags
  ControlMode controls = ControlMode::strip;
  bool keep_cr = true;             // keep \r (otherwise treated as a control character)
  bool detect_pii = true;          // false: only secret rules and exact values run
  bool detect_injection = true;
  double injection_threshold = 0.5;  // injection_suspected when score >= this
};

struct InjectionFinding {
  std::string rule;      // e.g. "override-ignore-previous"
  std::string category;  // override | role_marker | exfiltration | tool_call
  uint64_t offset = 0;   // byte offset in the normalised stream (see README)
  uint64_t length = 0;
  double weight = 0;     // after context damping
  bool obfuscated = false;  // found only after homoglyph/zero-width folding or base64 decoding
};

struct FilterReport {
  std::map<std::string, uint64_t> counts_by_rule;  // rule id -> redactions (never values)
  DataClass data_class = DataClass::public_;
  std::vector<InjectionFinding> injection;  // at most 64 kept
  double injection_score = 0;               // in [0,1]
  bool injection_suspected = false;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t controls_removed = 0;  // escape sequences and control characters stripped or escaped
  uint64_t invalid_utf8 = 0;      // U+FFFD substitutions
};

nlohmann::ordered_json to_json(const FilterReport& r);

class StreamFilter {
 public:
  StreamFilter(std::shared_ptr<const RuleSet> rules, FilterOptions opts);
  ~StreamFilter();
  StreamFilter(const StreamFilter&) = delete;
  StreamFilter& operator=(const StreamFilter&) = delete;

  // A value that must never leave (e.g. a credential injected into this
  // call). Matched raw and in base64 (std and url alphabets, all three
  // alignments), hex (lower and upper) and URL-encoded forms. Reported as
  // rule "exact:<name>", class restricted. Must be called before the first
  // feed(); throws std::logic_error afterwards and std::invalid_argument for
  // values shorter than 4 bytes.
  void add_exact_value(std::string name, std::string value);

  // Text safe to emit now (possibly empty; the rest is held back).
  std::string feed(std::string_view chunk);
  // Flushes everything held back. feed() must not be called afterwards.
  std::string finish();
  // The same, appending to `out` (a buffer the caller reuses saves an
  // allocation per chunk).
  void feed(std::string_view chunk, std::string& out);
  void finish(std::string& out);

  FilterReport report() const;
  // Bytes currently held inside the filter (for the bounded-memory test).
  std::size_t buffered_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: filter a whole string in one go.
std::string filter_all(std::shared_ptr<const RuleSet> rules, std::string_view text, FilterOptions opts = {},
                       FilterReport* report = nullptr);

}  // namespace cordon
