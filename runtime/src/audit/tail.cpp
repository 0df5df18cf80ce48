#include "audit/tail.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cordon::audit_detail {

std::optional<TailScan> scan_tail(int fd, std::uint64_t size, const std::string& path, std::string& error) {
  // A partial line and the complete line before it both fit in this window.
  const std::uint64_t window = std::min<std::uint64_t>(size, 2 * kMaxRecordBytes + 2);
  const std::uint64_t start = size - window;
  std::string buf(static_cast<std::size_t>(window), '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = path + ": reading the end of the file: " + (n < 0 ? std::strerror(errno) : "file shrank");
      return std::nullopt;
    }
    got += static_cast<std::size_t>(n);
  }
  TailScan scan;
  auto last_nl = buf.rfind('\n');
  if (last_nl == std::string::npos) {
    if (start > 0) {
      error = path + ": the last line is longer than the 1 MiB record limit";
      return std::nullopt;
    }
    return scan;  // no complete line at all
  }
  scan.valid_size = start + last_nl + 1;
  std::size_t line_start = 0;
  if (last_nl > 0) {
    auto prev_nl = buf.rfind('\n', last_nl - 1);
    if (prev_nl != std::string::npos) line_start = prev_nl + 1;
    else if (start > 0) {
      error = path + ": the last line is longer than the 1 MiB record limit";
      return std::nullopt;
    }
  }
  std::string_view line(buf.data() + line_start, last_nl - line_start);
  std::string why;
  auto rec = parse_record(line, why);
  if (!rec) {
    error = path + ": the last complete line is not an audit record (" + why + "); run `cordon audit verify`";
    return std::nullopt;
  }
  if (!rec->hash_ok) {
    error = path + ": the last record (seq " + std::to_string(rec->seq) +
            ") does not match its hash; run `cordon audit verify`";
    return std::nullopt;
  }
  scan.last = std::move(rec);
  return scan;
}

}  // namespace cordon::audit_detail
