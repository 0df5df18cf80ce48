// Checks that confirm a candidate match (checksums, ranges, entropy floors,
// placeholder detection). Pure functions of the value and its surroundings.
#pragma once

#include <string>
#include <string_view>

#include "filter/compiled.h"

namespace cordon::filter_detail {

double shannon_entropy(std::string_view s);
bool luhn_ok(std::string_view digits_with_separators);
bool iban_ok(std::string_view iban);
bool us_ssn_ok(std::string_view ssn);
std::string base64_decode(std::string_view in);  // std or url alphabet, padding optional; stops at first bad char

struct Candidate {
  std::string_view match;   // whole hyperscan match (after extension)
  std::string_view value;   // the secret part
  std::string_view before;  // up to Rule::context (>= 64) bytes before the match
  char next = '\0';         // byte after the match, or 0
  char next2 = '\0';        // the byte after that, or 0
};

// True if the rule's validator accepts the candidate.
bool run_validator(const Rule& r, const Candidate& c);
// True if `value` looks like a placeholder (repeated characters, ${VAR}, ...)
// per the simple built-in checks; the data-driven allowlists are separate.
bool has_repeated_run(std::string_view value, unsigned run);

}  // namespace cordon::filter_detail
