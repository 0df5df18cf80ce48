// verify_audit_log: walks the chain in seq order and reports the first
// problem. Contract (what is and is not detectable) in cordon/audit.h.
#include <algorithm>
#include <filesystem>

#include "audit/anchor.h"
#include "audit/lines.h"
#include "audit/order.h"
#include "audit/record.h"
#include "cordon/audit.h"

namespace cordon {
namespace {

using audit_detail::AnchorState;

std::string where(const std::string& file, std::uint64_t line) { return file + ":" + std::to_string(line); }

bool has_seq(const std::vector<std::uint64_t>& all, std::uint64_t seq) {
  return std::binary_search(all.begin(), all.end(), seq);
}

// The anchor to check against: explicit, given among the files, or next to
// a given log. "" when there is none.
std::string pick_anchor(const AuditVerifyOptions& o, const audit_detail::FileSet& set, std::string& error) {
  if (o.anchor) return *o.anchor;
  std::vector<std::string> found = set.anchors;
  if (found.empty() && o.find_anchor) {
    for (const auto& log : set.logs) {
      std::string candidate = log.path + ".head";
      std::error_code ec;
      if (std::filesystem::is_regular_file(candidate, ec)) found.push_back(candidate);
    }
  }
  if (found.size() > 1) {
    error = "several anchor files (" + found[0] + ", " + found[1] + "): name one with --anchor";
    return "";
  }
  return found.empty() ? "" : found[0];
}

// The walk over all records in chain order.
struct Walk {
  Walk(const std::vector<std::uint64_t>& seqs, const AuditVerifyOptions& o) : all_seqs(seqs), options(o) {}
  const std::vector<std::uint64_t>& all_seqs;
  const AuditVerifyOptions& options;
  std::optional<AuditProblem> problem;
  AuditIntact intact;
  // The previous record.
  bool have_prev = false;
  std::uint64_t prev_seq = 0;
  std::string prev_hash, prev_file;
  std::uint64_t prev_line = 0;
  std::optional<std::uint64_t> anchor_seq;
  std::optional<std::string> hash_at_anchor;
  std::string anchor_file;
  std::uint64_t anchor_line = 0;

  void fail(AuditProblemKind kind, const std::string& file, std::uint64_t line, std::optional<std::uint64_t> seq,
            std::string detail) {
    problem = AuditProblem{kind, file, line, seq, std::move(detail)};
  }

  // Returns false to stop at the first problem.
  bool record(const std::string& file, std::string_view text, std::uint64_t line, bool terminated, bool first_in_file) {
    const std::optional<std::uint64_t> next =
        have_prev ? std::optional<std::uint64_t>(prev_seq + 1) : std::nullopt;
    if (!terminated) {
      fail(AuditProblemKind::Truncated, file, line, next,
           "the file ends in the middle of a record (" + std::to_string(text.size()) + " bytes without a line end)");
      return false;
    }
    std::string why;
    auto rec = audit_detail::parse_record(text, why);
    if (!rec) {
      fail(AuditProblemKind::Malformed, file, line, next, "not an audit record: " + why);
      return false;
    }
    const std::uint64_t seq = rec->seq;
    if (!rec->hash_ok) {
      fail(AuditProblemKind::Modified, file, line, seq, "the record's contents do not match its hash");
      return false;
    }
    if (!have_prev) {
      if (seq == 1 && rec->prev != kAuditGenesis) {
        fail(AuditProblemKind::Modified, file, line, seq, "seq 1 does not chain to the genesis value");
        return false;
      }
      if (seq != 1) {
        if (options.require_start) {
          fail(AuditProblemKind::Deleted, file, line, 1,
               "the chain starts at seq " + std::to_string(seq) + ": records 1.." + std::to_string(seq - 1) +
                   " are missing");
          return false;
        }
        intact.notes.push_back("the chain starts at seq " + std::to_string(seq) +
                               ": earlier records are in files not given (or pruned), and were not checked");
      }
      intact.first_seq = seq;
    } else if (rec->prev == prev_hash && seq == prev_seq + 1) {
      // linked
    } else if (rec->prev == prev_hash) {
      fail(AuditProblemKind::Modified, file, line, seq,
           "seq " + std::to_string(seq) + " chains to seq " + std::to_string(prev_seq) + " (" +
               where(prev_file, prev_line) + "): its seq was rewritten");
      return false;
    } else if (seq == prev_seq + 1) {
      fail(AuditProblemKind::Modified, file, line, seq,
           "\"prev\" does not match the hash of seq " + std::to_string(prev_seq) + " (" + where(prev_file, prev_line) +
               "): one of the two records was rewritten");
      return false;
    } else if (seq <= prev_seq) {
      fail(AuditProblemKind::Reordered, file, line, seq,
           seq == prev_seq ? "seq " + std::to_string(seq) + " appears twice"
                           : "seq " + std::to_string(seq) + " comes after seq " + std::to_string(prev_seq) + " (" +
                                 where(prev_file, prev_line) + ")");
      return false;
    } else if (has_seq(all_seqs, prev_seq + 1)) {
      fail(AuditProblemKind::Reordered, file, line, seq,
           "seq " + std::to_string(seq) + " comes before seq " + std::to_string(prev_seq + 1) +
               ", which appears later");
      return false;
    } else {
      std::uint64_t last_missing = prev_seq + 1;
      while (last_missing + 1 < seq && !has_seq(all_seqs, last_missing + 1)) ++last_missing;
      std::string range = last_missing == prev_seq + 1
                              ? "seq " + std::to_string(prev_seq + 1) + " is"
                              : "seqs " + std::to_string(prev_seq + 1) + ".." + std::to_string(last_missing) + " are";
      std::string detail = "record " + range + " missing between " + where(prev_file, prev_line) + " and here";
      if (first_in_file) detail += " (a rotated file may be missing)";
      fail(AuditProblemKind::Deleted, file, line, prev_seq + 1, detail);
      return false;
    }
    if (anchor_seq && seq == *anchor_seq) {
      hash_at_anchor = rec->hash;
      anchor_file = file;
      anchor_line = line;
    }
    have_prev = true;
    prev_seq = seq;
    prev_hash = rec->hash;
    prev_file = file;
    prev_line = line;
    ++intact.records;
    return true;
  }
};

}  // namespace

const char* audit_problem_name(AuditProblemKind k) {
  switch (k) {
    case AuditProblemKind::Modified: return "modified";
    case AuditProblemKind::Deleted: return "deleted";
    case AuditProblemKind::Reordered: return "reordered";
    case AuditProblemKind::Truncated: return "truncated";
    case AuditProblemKind::Malformed: return "malformed";
  }
  return "?";
}

AuditVerifyResult verify_audit_log(const std::vector<std::string>& files, const AuditVerifyOptions& options) {
  AuditVerifyResult out;
  std::vector<std::uint64_t> all_seqs;
  audit_detail::FileSet set = audit_detail::order_files(files, &all_seqs);
  if (!set.error.empty()) {
    out.error = set.error;
    return out;
  }
  if (set.logs.empty()) {
    out.error = "no audit log files given";
    return out;
  }
  std::string anchor_path = pick_anchor(options, set, out.error);
  if (!out.error.empty()) return out;
  std::optional<AnchorState> anchor;
  if (!anchor_path.empty()) {
    anchor = audit_detail::read_anchor_file(anchor_path, out.error);
    if (!anchor) return out;
  }

  Walk walk(all_seqs, options);
  if (anchor) walk.anchor_seq = anchor->seq;
  std::string last_file;
  std::uint64_t last_file_lines = 0;
  for (const auto& log : set.logs) {
    std::uint64_t lines = 0;
    std::string err = audit_detail::for_each_line(
        log.path, [&](std::string_view text, std::uint64_t number, bool terminated) {
          lines = number;
          return walk.record(log.path, text, number, terminated, number == 1);
        });
    if (!err.empty()) {
      out.error = err;
      return out;
    }
    if (walk.problem) {
      out.problem = walk.problem;
      return out;
    }
    walk.intact.files.push_back(log.path);
    if (lines > 0 || last_file.empty()) {
      last_file = log.path;
      last_file_lines = lines;
    }
  }
  AuditIntact& in = walk.intact;
  in.last_seq = walk.have_prev ? walk.prev_seq : 0;
  in.last_hash = walk.have_prev ? walk.prev_hash : std::string(kAuditGenesis);

  if (anchor) {
    in.anchor = anchor_path;
    if (anchor->seq > in.last_seq) {
      std::string range = anchor->seq == in.last_seq + 1
                              ? "seq " + std::to_string(anchor->seq) + " was"
                              : "seqs " + std::to_string(in.last_seq + 1) + ".." + std::to_string(anchor->seq) +
                                    " were";
      out.problem = AuditProblem{AuditProblemKind::Truncated, last_file, last_file_lines + 1, in.last_seq + 1,
                                 "the anchor " + anchor_path + " says the log ends at seq " +
                                     std::to_string(anchor->seq) + " but it ends at seq " +
                                     std::to_string(in.last_seq) + ": record " + range + " removed from the end"};
      return out;
    }
    if (walk.hash_at_anchor && *walk.hash_at_anchor != anchor->hash) {
      out.problem = AuditProblem{AuditProblemKind::Modified, walk.anchor_file, walk.anchor_line, anchor->seq,
                                 "the hash of seq " + std::to_string(anchor->seq) + " differs from the anchor's (" +
                                     anchor_path + "): the log was rewritten up to there"};
      return out;
    }
    if (anchor->seq > 0 && !walk.hash_at_anchor)
      in.notes.push_back("the anchor's seq " + std::to_string(anchor->seq) +
                         " is before the given files, so it was not checked");
    else if (anchor->seq < in.last_seq)
      in.notes.push_back(std::to_string(in.last_seq - anchor->seq) +
                         " record(s) after the anchor's seq " + std::to_string(anchor->seq) +
                         " (written after its last update, e.g. before a crash)");
  } else {
    in.notes.push_back("no anchor (<log>.head): removal of whole records from the end cannot be detected");
  }
  if (in.records == 0) in.notes.push_back("the log holds no records");
  out.intact = std::move(in);
  return out;
}

}  // namespace cordon
