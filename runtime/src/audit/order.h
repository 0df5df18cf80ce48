// Which of the files given to verify/query are logs and which is an
// anchor, and the logs' chain order (by the seq of their first record).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cordon::audit_detail {

struct LogFile {
  std::string path;
  std::optional<std::uint64_t> first_seq;  // first line that parses as a record
};

struct FileSet {
  std::vector<LogFile> logs;         // in chain order; files without records last
  std::vector<std::string> anchors;  // given files whose content is an anchor
  std::string error;                 // IO error
};

// Deduplicates (same file given twice), separates anchors, reads each log's
// first record and sorts. With `all_seqs`, also collects every record's
// seq (sorted) for verify's look-ahead.
FileSet order_files(const std::vector<std::string>& files, std::vector<std::uint64_t>* all_seqs);

}  // namespace cordon::audit_detail
