// UTF-8 hygiene for text that leaves the runtime.
#pragma once

#include <string>
#include <string_view>

namespace cordon {

// Returns `in` with every invalid UTF-8 sequence (bad lead or continuation
// bytes, overlong forms, surrogates, code points above U+10FFFF, truncated
// sequences) replaced by U+FFFD. Valid input is returned unchanged.
std::string utf8_sanitize(std::string_view in);

}  // namespace cordon
