// Terminal safety, incrementally: removes (or escapes) ANSI escape sequences
// (CSI, OSC, DCS/SOS/PM/APC strings, two-byte ESC sequences, their 8-bit C1
// forms), C0/C1 control characters other than \n, \t and optionally \r, and
// Unicode bidi overrides; replaces invalid UTF-8 with U+FFFD. State carries
// across push() calls, so a sequence split between chunks is still handled.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cordon/filter.h"

namespace cordon::filter_detail {

class Sanitizer {
 public:
  Sanitizer(ControlMode mode, bool keep_cr);
  // Appends the sanitised form of `in` to `out`.
  void push(std::string_view in, std::string& out);
  // Flushes a truncated UTF-8 sequence at the end of the stream.
  void finish(std::string& out);

  uint64_t controls_removed = 0;
  uint64_t invalid_utf8 = 0;

 private:
  enum class St : uint8_t { text, esc, esc_inter, csi, str, str_esc };
  void control(uint32_t cp, std::string& out);  // a control code point in text state
  void code_point(uint32_t cp, std::string_view bytes, std::string& out);
  void byte(unsigned char b, std::string& out);  // slow path for one byte

  ControlMode mode_;
  bool keep_cr_;
  St st_ = St::text;
  bool str_is_osc_ = false;
  uint32_t seq_len_ = 0;
  unsigned char u8_[4] = {};
  uint8_t u8_have_ = 0, u8_need_ = 0;
  uint32_t u8_cp_ = 0;
};

}  // namespace cordon::filter_detail
