// libFuzzer target: the output filter must never crash, hang or leak on any
// bytes, split at any point, and must always emit valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cordon/filter.h"
#include "cordon/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto rules = cordon::RuleSet::load_default();  // compiled once per process
  if (size == 0) return 0;
  // The first byte chooses where the stream is split.
  const std::size_t split = data[0] % size;
  std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  cordon::FilterOptions opts;
  cordon::StreamFilter f(rules, opts);
  f.add_exact_value("fuzz-secret", "s3cr3t-value-for-fuzz");
  std::string out = f.feed(all.substr(0, split < all.size() ? split : all.size()));
  if (split < all.size()) out += f.feed(all.substr(split));
  out += f.finish();
  if (cordon::utf8_sanitize(out) != out) __builtin_trap();  // never invalid UTF-8
  (void)f.report();
  return 0;
}
