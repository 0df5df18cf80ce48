// Reading audit files line by line (verify and query).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cordon::audit_detail {

// Calls fn(line without "\n", 1-based line number, whether it ended with
// "\n") for each line; stops early when fn returns false. Returns "" or the
// IO error ("PATH: reason").
using LineFn = std::function<bool(std::string_view line, std::uint64_t number, bool terminated)>;
std::string for_each_line(const std::string& path, const LineFn& fn);

// The first bytes of a file (up to `n`), "" when unreadable.
std::string file_head(const std::string& path, std::size_t n);

}  // namespace cordon::audit_detail
