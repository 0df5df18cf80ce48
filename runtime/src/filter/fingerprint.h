// Keyed, non-reversible short fingerprints for redaction tags.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace cordon::filter_detail {

class Fingerprinter {
 public:
  Fingerprinter();  // fresh random 32-byte key (OpenSSL RAND_bytes)
  // First 8 hex digits of HMAC-SHA256(key, value).
  std::string operator()(std::string_view value) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace cordon::filter_detail
