#include "audit/timefmt.h"

#include <cstdio>
#include <ctime>
#include <limits>

#include "cordon/audit.h"
#include "profile/units.h"

namespace cordon {
namespace audit_detail {
namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
  if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b))) return false;
  ++pos;
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s, std::string& error) {
  error = "invalid time \"" + std::string(s) + "\": expected RFC 3339 such as 2025-01-31T12:00:00Z";
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::int64_t ms = 0;
  int offset_min = 0;
  if (pos < s.size()) {
    if (!expect(s, pos, 'T', 't') || !digits(s, pos, 2, hour) || !expect(s, pos, ':') ||
        !digits(s, pos, 2, minute) || !expect(s, pos, ':') || !digits(s, pos, 2, second))
      return std::nullopt;
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t start = pos;
      int scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 || om > 59)
        return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - std::int64_t{offset_min} * 60;
  error.clear();
  return secs * 1000 + ms;
}

}  // namespace audit_detail

std::string format_audit_time(std::chrono::system_clock::time_point t) {
  auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::int64_t secs = ms_total / 1000;
  std::int64_t ms = ms_total % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::optional<std::int64_t> parse_audit_time(std::string_view text,
                                             std::chrono::system_clock::time_point now,
                                             std::string& error) {
  if (!text.empty() && text.find('-') != std::string_view::npos)
    return audit_detail::parse_rfc3339_ms(text, error);
  // A duration before now: units.h's forms plus days.
  std::optional<std::uint64_t> ago;
  if (text.size() >= 2 && text.back() == 'd' && text[text.size() - 2] >= '0' && text[text.size() - 2] <= '9') {
    std::string hours(text.substr(0, text.size() - 1));
    ago = parse_duration_ms(hours + "h", error);
    if (ago) {
      if (*ago > std::numeric_limits<std::uint64_t>::max() / 24) ago.reset();
      else *ago *= 24;
    }
  } else {
    ago = parse_duration_ms(text, error);
  }
  std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (!ago || *ago > static_cast<std::uint64_t>(now_ms)) {
    error = "invalid time \"" + std::string(text) +
            "\": expected RFC 3339 (2025-01-31T12:00:00Z) or a duration before now (90s, 15m, 1h, 2d)";
    return std::nullopt;
  }
  error.clear();
  return now_ms - static_cast<std::int64_t>(*ago);
}

}  // namespace cordon
