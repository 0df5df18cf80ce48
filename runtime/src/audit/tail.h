// Finding where an audit file's chain ends: the last complete line and any
// partial line after it (a crash during write). Used by the writer on open.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "audit/record.h"

namespace cordon::audit_detail {

struct TailScan {
  std::uint64_t valid_size = 0;       // bytes up to and including the last "\n"
  std::optional<ParsedRecord> last;   // the last complete line (none: no complete line)
};

// Reads the end of `fd` (`size` bytes long, named `path` in errors).
// nullopt and `error` when the last complete line is not a valid record
// (bad format or hash) or a line is longer than kMaxRecordBytes.
std::optional<TailScan> scan_tail(int fd, std::uint64_t size, const std::string& path, std::string& error);

}  // namespace cordon::audit_detail
