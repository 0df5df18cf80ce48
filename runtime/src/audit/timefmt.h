// RFC 3339 times for audit records ("ts") and query bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cordon::audit_detail {

// Unix ms from "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" or
// "YYYY-MM-DD" (midnight UTC). 't'/'z' may be lower case. Fractions beyond
// milliseconds are truncated.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text, std::string& error);

}  // namespace cordon::audit_detail
