// Size and duration values as written in profiles.
//
// Sizes:     "512", "512B", "64K", "64M", "1G", "2T", "64MiB", "64KB".
//            Multipliers are binary (1K = 1024) and case-insensitive; an
//            optional "B" or "iB" may follow a multiplier ("B" alone also
//            follows plain digits). Result in bytes.
// Durations: "500ms", "10s", "2m", "1h". The unit is required. Result in
//            milliseconds.
//
// Only non-negative integers are accepted: no sign, no fraction, no spaces.
// Overflow of std::uint64_t is an error, never a wrap-around.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cordon {

inline constexpr std::uint64_t kKiB = 1ull << 10;
inline constexpr std::uint64_t kMiB = 1ull << 20;
inline constexpr std::uint64_t kGiB = 1ull << 30;
inline constexpr std::uint64_t kTiB = 1ull << 40;

inline constexpr std::uint64_t kSecondMs = 1000;
inline constexpr std::uint64_t kMinuteMs = 60 * kSecondMs;
inline constexpr std::uint64_t kHourMs = 60 * kMinuteMs;

// On failure returns nullopt and sets `error` to a reason such as
// "invalid size \"12X\": unknown unit \"X\" (use K, M, G or T)".
std::optional<std::uint64_t> parse_size(std::string_view text,
                                        std::string& error);
std::optional<std::uint64_t> parse_duration_ms(std::string_view text,
                                               std::string& error);

// Human-readable forms for messages: "64 MiB", "1536 bytes", "24h", "1500ms".
// Exact: a value is shown in the largest unit that divides it.
std::string format_size(std::uint64_t bytes);
std::string format_duration_ms(std::uint64_t ms);

}  // namespace cordon
