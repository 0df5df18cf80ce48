// Encoded forms under which an exact secret value is also matched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cordon::filter_detail {

struct ExactForm {
  std::string literal;
  bool caseless = false;  // hex
  bool base64 = false;    // extend the match over the rest of the base64 run
};

// Raw, base64 (std and url alphabets; the stable part at each of the three
// byte alignments, at least 8 characters), hex (matched caseless, so lower
// and upper) and percent-encoded (upper and lower hex) forms of `value`.
std::vector<ExactForm> exact_forms(std::string_view value);

}  // namespace cordon::filter_detail
