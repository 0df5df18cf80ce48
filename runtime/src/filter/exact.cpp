#include "filter/exact.h"

#include <set>

#include "filter/injection.h"

namespace cordon::filter_detail {

std::vector<ExactForm> exact_forms(std::string_view value) {
  std::vector<ExactForm> out;
  std::set<std::string> seen;
  auto add = [&](std::string s, bool ci, bool b64) {
    if (s.empty() || !seen.insert(s).second) return;
    out.push_back({std::move(s), ci, b64});
  };
  add(std::string(value), false, false);
  for (bool url : {false, true})
    for (auto& f : base64_aligned_forms(value, url))
      if (f.size() >= 8) add(f, false, true);
  static const char* hex = "0123456789abcdef";
  std::string h;
  for (unsigned char c : value) {
    h += hex[c >> 4];
    h += hex[c & 15];
  }
  add(h, true, false);
  for (bool upper : {true, false}) {
    static const char* HEX = "0123456789ABCDEF";
    const char* x = upper ? HEX : hex;
    std::string u;
    bool changed = false;
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        u += static_cast<char>(c);
      } else {
        u += '%';
        u += x[c >> 4];
        u += x[c & 15];
        changed = true;
      }
    }
    if (changed) add(u, false, false);
  }
  return out;
}

}  // namespace cordon::filter_detail
