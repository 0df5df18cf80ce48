// SHA-256 via OpenSSL (libcrypto).
#pragma once

#include <string>
#include <string_view>

namespace cordon {

// Lower-case hex SHA-256 of `data` (64 characters). Throws
// std::runtime_error if OpenSSL fails, which it does not for SHA-256 on a
// working libcrypto.
std::string sha256_hex(std::string_view data);

}  // namespace cordon
