// Tamper-evident audit log: one JSON record per line, each chained to the
// one before by SHA-256 (OpenSSL libcrypto), across rotated files.
//
// WHAT GOES IN A RECORD is the caller's choice (the body). Never put raw
// tool output, stdin, environment values or any secret into a body: the log
// is kept for a long time, read by operators, and cannot be edited without
// breaking the chain. Put lengths, hashes, names and outcomes instead.
//
// RECORD FORMAT. A record is one line: a compact JSON object, then "\n".
// Its members are, in this order:
//   - the body's members, in the body's order (the body may not use the
//     names below);
//   - "seq":  unsigned integer; 1 for the first record of a chain, then +1
//     per record, across rotation;
//   - "ts":   when it was appended, RFC 3339 UTC with milliseconds,
//     "2025-01-31T12:00:00.123Z";
//   - "prev": the "hash" of the previous record, 64 lower-case hex digits;
//     kAuditGenesis for seq 1;
//   - "hash": see below. Always the last member.
//
// CANONICAL FORM AND HASH (over bytes, no JSON library needed to check it).
// Take the line without its "\n". It ends with
//     ,"hash":"H"}
// where H is 64 lower-case hex digits. Replace that suffix by "}": the
// result is the payload, the record without "hash" exactly as written.
// Then H == lower-hex(SHA-256(P || payload)), where P is the 64 ASCII
// characters of the record's "prev". Any change to a line's bytes (a value,
// whitespace, key order) therefore changes its hash.
//
// WHAT `verify` DETECTS, in the files it is given:
//   - modified:  a record whose bytes no longer match its hash, or whose
//                "prev" does not match the hash of the record before it;
//   - deleted:   a record missing inside the chain (by seq), including a
//                whole missing rotated file between two given ones;
//   - reordered: records out of seq order, or a record given twice;
//   - truncated: a file that ends in the middle of a record (no "\n"); and,
//                with the anchor (below), whole records removed from the
//                end of the log, or the newest file removed;
//   - malformed: a line that is not a record at all.
// WHAT IT CANNOT DETECT:
//   - removal of the oldest records or files: this looks like pruning
//     (keep_files) unless verify is told the files start at seq 1
//     (require_start / `--from-start`);
//   - removal of trailing records when the anchor is not given (or was
//     deleted too): the remaining chain is intact;
//   - a consistent rewrite. SHA-256 is not keyed: whoever can write the log
//     and its anchor can rewrite a record, recompute every later hash and
//     the anchor. The chain makes tampering evident to anyone holding a
//     hash from before it: each `run` response carries its record's
//     "hash", so a caller that keeps it (or an operator who copies
//     `last_hash` elsewhere) can check it with verify's `last_hash` / by
//     finding the record.
//
// THE ANCHOR is "<path>.head": two fixed-size text slots, each
//   "cordon-audit-head v1 seq=<20 digits> hash=<64 hex> check=<16 hex>"
// padded with spaces to 159 bytes and a "\n"; check = the first 16 hex of
// SHA-256 of the text before " check=". Writes alternate between the slots,
// so a torn write leaves the other one valid; the valid slot with the
// higher seq counts. It is rewritten after each fsync of the log (each
// group of records under FsyncEach, each flush under FsyncInterval, each
// append without fsync under None), at rotation and at close. It may lag
// the log (records after it are reported as a note); it is never ahead of
// records that were fsynced. The writer also holds an flock on it, so two
// writers cannot share a log.
//
// ROTATION. Before a record that would make the file grow past
// rotate_bytes (and the file is not empty), the file is fsynced and renamed
// the logrotate way: <path>.N -> <path>.N+1 (highest first), ...,
// <path> -> <path>.1, then a new empty <path> is created and the directory
// fsynced. With keep_files = K > 0, <path>.K+1 and older are deleted. The
// chain (seq and prev) continues into the new file. File names do not
// matter to verify: it orders files by their first seq.
//
// DURABILITY. append() returns after write(2) of the whole line, and:
//   - FsyncEach (default): after fdatasync(2) of the log (concurrent appends
//     share one fdatasync: group commit) and of the anchor. Neither a
//     process nor a machine crash loses a record for which append returned
//     a record.
//   - FsyncInterval: a background thread fsyncs every fsync_interval. A
//     process crash loses nothing; a machine crash may lose the records of
//     the last interval.
//   - None: the kernel writes back when it likes. A process crash loses
//     nothing; a machine crash may lose recent records, and may leave the
//     anchor ahead of the log (open() then reports an anchor mismatch).
// The log is always fsynced at rotation and at close.
//
// RECOVERY on open: the chain continues from the last complete line of
// <path> (or of <path>.1 when <path> is empty or new). A partial last line
// (a crash during write) was never acknowledged: it is cut off (and
// reported in recovery()). A last line that is not a valid record, or an
// anchor ahead of the log, makes open() fail: run `cordon audit verify`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon {

// "prev" of the first record: 64 zeros.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

enum class AuditDurability { FsyncEach, FsyncInterval, None };
const char* audit_durability_name(AuditDurability d);  // "fsync_each", ...

struct AuditOptions {
  AuditDurability durability = AuditDurability::FsyncEach;
  std::chrono::milliseconds fsync_interval{1000};  // FsyncInterval only
  std::uint64_t rotate_bytes = 0;                  // 0 = never rotate
  unsigned keep_files = 0;                         // rotated files kept; 0 = all
  // Open even if the anchor is ahead of / different from the log (records
  // were lost or removed). recovery().anchor_mismatch says what was found;
  // the daemon should log it as an operator event.
  bool accept_anchor_mismatch = false;
  // Time source for "ts" (tests); system_clock::now when empty.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// The "audit" object of a configuration file:
//   {"path": "/var/log/cordon/audit.log",            (optional here)
//    "durability": "fsync_each" | "fsync_interval" | "none",
//    "fsync_interval_ms": 1000,                      (fsync_interval only, 1..60000)
//    "rotate_bytes": 67108864 or "64M",              (0 = never)
//    "keep_files": 10}                               (0 = keep all)
// Every member is optional; unknown members are errors. Errors are
// "field: reason".
struct AuditSettings {
  std::string path;
  AuditOptions options;
};
struct AuditSettingsLoad {
  std::optional<AuditSettings> settings;  // empty when errors is not
  std::vector<std::string> errors;
};
AuditSettingsLoad parse_audit_settings(const nlohmann::json& object);

// What open() found and repaired.
struct AuditRecovery {
  std::string chained_from;          // file the chain continues from ("" = new chain)
  std::uint64_t last_seq = 0;        // 0 = new chain
  std::string last_hash;             // kAuditGenesis for a new chain
  std::uint64_t truncated_bytes = 0; // partial last line cut off <path>
  bool anchor_created = false;       // there was no anchor
  std::string anchor_mismatch;       // "" or what disagreed (accept_anchor_mismatch)
};

class AuditWriter;
struct AuditOpen {
  std::unique_ptr<AuditWriter> writer;  // null on error
  std::string error;
  bool ok() const { return writer != nullptr; }
};
struct AuditAppend {
  std::optional<nlohmann::ordered_json> record;  // the full record, with seq/ts/prev/hash
  std::string error;
  bool ok() const { return record.has_value(); }
};

// One writer per log (enforced with an flock on the anchor). Thread-safe:
// any number of threads may call append() at once; records get seq numbers
// in the order they take the writer's mutex.
class AuditWriter {
 public:
  static AuditOpen open(const std::string& path, AuditOptions options = {});
  ~AuditWriter();  // close()
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Appends one record; returns it once it is as durable as the options
  // say. `body` must be a JSON object without "seq", "ts", "prev" or
  // "hash", valid UTF-8, and the record at most 1 MiB. A failed write is
  // rolled back and the seq reused. After an fsync or rotation failure
  // the writer refuses all further appends (the page cache can no longer
  // be trusted): reopen it.
  AuditAppend append(nlohmann::ordered_json body);

  // Fsyncs, updates the anchor, releases the lock. Idempotent. Call it
  // only once no append() is running. Returns "" or the error.
  std::string close();

  struct Position {
    std::uint64_t seq = 0;  // last record appended (0 = none yet)
    std::string hash;       // its hash (kAuditGenesis when none)
  };
  Position position() const;
  const AuditRecovery& recovery() const;
  const std::string& path() const;

  struct Impl;

 private:
  explicit AuditWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- verify ----

enum class AuditProblemKind { Modified, Deleted, Reordered, Truncated, Malformed };
const char* audit_problem_name(AuditProblemKind k);  // "modified", ...

struct AuditProblem {
  AuditProblemKind kind = AuditProblemKind::Malformed;
  std::string file;
  std::uint64_t line = 0;             // 1-based; one past the end for trailing truncation
  std::optional<std::uint64_t> seq;   // the record's seq (for deleted: the first missing one)
  std::string detail;
};

struct AuditIntact {
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0, last_seq = 0;  // 0 when there are no records
  std::string last_hash;
  std::vector<std::string> files;   // in chain order
  std::string anchor;               // anchor file used ("" = none)
  std::vector<std::string> notes;   // e.g. "chain starts at seq 101 ..."
};

struct AuditVerifyOptions {
  std::optional<std::string> anchor;  // explicit anchor file
  bool find_anchor = true;            // else use "<file>.head" next to a given file, if it exists
  bool require_start = false;         // the chain must start at seq 1
};

struct AuditVerifyResult {
  std::string error;                    // usage/IO error ("" = verified)
  std::optional<AuditProblem> problem;  // the first problem in chain order
  AuditIntact intact;                   // meaningful when !problem and error == ""
};

// `files` may be given in any order; files whose content is an anchor
// (see above) are used as the anchor. Never throws.
AuditVerifyResult verify_audit_log(const std::vector<std::string>& files,
                                   const AuditVerifyOptions& options = {});

// ---- query ----

// Each list matches one top-level string member ("kind", "tool", "tenant",
// "outcome") against any of its values; an empty list matches anything, a
// non-empty list never matches a record without that member. since/until
// (Unix ms) bound "ts": since <= ts < until.
struct AuditFilter {
  std::vector<std::string> kinds, tools, tenants, outcomes;
  std::optional<std::int64_t> since_ms, until_ms;
};
bool audit_record_matches(const nlohmann::ordered_json& record, const AuditFilter& f);

struct AuditQueryStats {
  std::string error;           // IO error ("" = read everything)
  std::uint64_t scanned = 0;   // records read
  std::uint64_t matched = 0;
  std::uint64_t skipped = 0;   // lines that are not records (incl. a partial last line)
};
// Reads the files in chain order (by first seq; anchor files are skipped)
// and calls `emit` with each matching record's line (exactly as stored,
// without "\n") and its parsed value. Does not check hashes: use verify.
AuditQueryStats query_audit_log(
    const std::vector<std::string>& files, const AuditFilter& f,
    const std::function<void(std::string_view line, const nlohmann::ordered_json& record)>& emit);

// ---- time ----

// "2025-01-31T12:00:00.123Z" for a point in time (UTC, milliseconds).
std::string format_audit_time(std::chrono::system_clock::time_point t);
// Unix ms from RFC 3339 ("2025-01-31T12:00:00Z", fractions and "+02:00"
// offsets allowed; "2025-01-31" means midnight UTC) or a time before `now`
// ("90s", "15m", "1h", "2d", "500ms"). nullopt and `error` when invalid.
std::optional<std::int64_t> parse_audit_time(std::string_view text,
                                             std::chrono::system_clock::time_point now,
                                             std::string& error);

}  // namespace cordon
