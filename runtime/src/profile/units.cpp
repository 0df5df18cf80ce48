#include "profile/units.h"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace cordon {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Size suffixes after the digits, compared case-sensitively. The multiplier
// letter is accepted in both cases; "B"/"iB" only as written.
constexpr std::array kSizeUnits{
    Unit{"", 1},          Unit{"B", 1},
    Unit{"K", kKiB},      Unit{"KB", kKiB},      Unit{"KiB", kKiB},
    Unit{"k", kKiB},      Unit{"kB", kKiB},      Unit{"kiB", kKiB},
    Unit{"M", kMiB},      Unit{"MB", kMiB},      Unit{"MiB", kMiB},
    Unit{"m", kMiB},      Unit{"mB", kMiB},      Unit{"miB", kMiB},
    Unit{"G", kGiB},      Unit{"GB", kGiB},      Unit{"GiB", kGiB},
    Unit{"g", kGiB},      Unit{"gB", kGiB},      Unit{"giB", kGiB},
    Unit{"T", kTiB},      Unit{"TB", kTiB},      Unit{"TiB", kTiB},
    Unit{"t", kTiB},      Unit{"tB", kTiB},      Unit{"tiB", kTiB},
};

constexpr std::array kDurationUnits{
    Unit{"ms", 1},
    Unit{"s", kSecondMs},
    Unit{"m", kMinuteMs},
    Unit{"h", kHourMs},
};

// Largest unit first, for formatting.
constexpr std::array kSizeNames{
    Unit{"TiB", kTiB}, Unit{"GiB", kGiB}, Unit{"MiB", kMiB}, Unit{"KiB", kKiB}};
constexpr std::array kDurationNames{
    Unit{"h", kHourMs}, Unit{"m", kMinuteMs}, Unit{"s", kSecondMs}};

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

// Splits "64MiB" into 64 and "MiB". Fails on a missing number, a sign, or
// a number that does not fit.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(
    std::string_view text, std::string_view what, std::string& error) {
  const std::string prefix = "invalid " + std::string(what) + " " + quoted(text);
  if (text.empty()) {
    error = "invalid " + std::string(what) + ": empty string";
    return std::nullopt;
  }
  if (text.front() == '-') {
    error = prefix + ": must not be negative";
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ptr == text.data()) {
    error = prefix + ": must start with a non-negative integer";
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    error = prefix + ": number is too large";
    return std::nullopt;
  }
  return std::pair{value, text.substr(static_cast<std::size_t>(ptr - text.data()))};
}

template <std::size_t N>
std::optional<std::uint64_t> find_factor(const std::array<Unit, N>& units,
                                         std::string_view suffix) {
  for (const Unit& unit : units) {
    if (unit.suffix == suffix) return unit.factor;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) {
    return std::nullopt;
  }
  return a * b;
}

template <std::size_t N>
std::string format_exact(std::uint64_t value, const std::array<Unit, N>& names,
                         std::string_view separator, std::string_view base) {
  for (const Unit& unit : names) {
    if (value != 0 && value % unit.factor == 0) {
      return std::to_string(value / unit.factor) + std::string(separator) +
             std::string(unit.suffix);
    }
  }
  return std::to_string(value) + std::string(separator) + std::string(base);
}

template <std::size_t N>
std::optional<std::uint64_t> parse_with_units(std::string_view text,
                                              std::string_view what,
                                              const std::array<Unit, N>& units,
                                              std::string_view unit_hint,
                                              std::string& error) {
  const auto split = split_number(text, what, error);
  if (!split) return std::nullopt;
  const auto [number, suffix] = *split;
  const std::string prefix = "invalid " + std::string(what) + " " + quoted(text);
  const auto factor = find_factor(units, suffix);
  if (!factor) {
    error = prefix + ": " +
            (suffix.empty() ? "a unit is required"
                            : "unknown unit " + quoted(suffix)) +
            " (use " + std::string(unit_hint) + ")";
    return std::nullopt;
  }
  const auto result = checked_multiply(number, *factor);
  if (!result) error = prefix + ": value is too large";
  return result;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text,
                                        std::string& error) {
  return parse_with_units(text, "size", kSizeUnits,
                          "K, M, G or T, optionally followed by B or iB",
                          error);
}

std::optional<std::uint64_t> parse_duration_ms(std::string_view text,
                                               std::string& error) {
  return parse_with_units(text, "duration", kDurationUnits, "ms, s, m or h",
                          error);
}

std::string format_size(std::uint64_t bytes) {
  return format_exact(bytes, kSizeNames, " ", "bytes");
}

std::string format_duration_ms(std::uint64_t ms) {
  return format_exact(ms, kDurationNames, "", "ms");
}

}  // namespace cordon
