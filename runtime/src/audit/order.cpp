#include "audit/order.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "audit/anchor.h"
#include "audit/lines.h"
#include "audit/record.h"

namespace cordon::audit_detail {

FileSet order_files(const std::vector<std::string>& files, std::vector<std::uint64_t>* all_seqs) {
  FileSet set;
  std::set<std::pair<dev_t, ino_t>> seen;
  for (const auto& f : files) {
    struct stat st{};
    if (::stat(f.c_str(), &st) != 0) {
      set.error = f + ": " + std::strerror(errno);
      return set;
    }
    if (!S_ISREG(st.st_mode)) {
      set.error = f + ": not a regular file";
      return set;
    }
    if (!seen.insert({st.st_dev, st.st_ino}).second) continue;
    if (looks_like_anchor(file_head(f, kAnchorMagic.size()))) {
      set.anchors.push_back(f);
      continue;
    }
    LogFile log{f, std::nullopt};
    std::string err = for_each_line(f, [&](std::string_view line, std::uint64_t, bool) {
      std::string why;
      auto rec = parse_record(line, why);
      if (rec && !log.first_seq) log.first_seq = rec->seq;
      if (rec && all_seqs) all_seqs->push_back(rec->seq);
      return all_seqs != nullptr || !log.first_seq;  // query only needs the first
    });
    if (!err.empty()) {
      set.error = err;
      return set;
    }
    set.logs.push_back(std::move(log));
  }
  std::stable_sort(set.logs.begin(), set.logs.end(), [](const LogFile& a, const LogFile& b) {
    if (a.first_seq.has_value() != b.first_seq.has_value()) return a.first_seq.has_value();
    return a.first_seq.value_or(0) < b.first_seq.value_or(0);
  });
  if (all_seqs) std::sort(all_seqs->begin(), all_seqs->end());
  return set;
}

}  // namespace cordon::audit_detail
