// libFuzzer target: the profile loader must report errors, never crash,
// hang or leak, whatever the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cordon/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  cordon::ProfileLoad load = cordon::parse_profile(text, "fuzz.json");
  if (load.ok() == !load.errors.empty()) __builtin_trap();  // exactly one of the two
  for (const auto& e : load.errors) (void)e.to_string();
  if (load.ok()) (void)load.profile->dangerous_opt_ins();
  return 0;
}
