#pragma once

#include <memory>
#include <string>

#include "cordon/filter.h"
#include "cordon/utf8.h"

namespace cordon::test {

inline std::shared_ptr<const RuleSet> rules() {
  static std::shared_ptr<const RuleSet> r = RuleSet::load_files({CORDON_RULES_FILE});
  return r;
}

inline std::string redact(std::string_view s, FilterOptions o = {}, FilterReport* rep = nullptr) {
  return filter_all(rules(), s, o, rep);
}

// Feeds `s` in pieces of `n` bytes.
inline std::string redact_chunked(std::string_view s, std::size_t n, FilterOptions o = {}, FilterReport* rep = nullptr) {
  StreamFilter f(rules(), o);
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += n) out += f.feed(s.substr(i, n));
  out += f.finish();
  if (rep) *rep = f.report();
  return out;
}

}  // namespace cordon::test

namespace cordon::test {
inline bool utf8_ok(std::string_view s) { return utf8_sanitize(s) == s; }
}  // namespace cordon::test
