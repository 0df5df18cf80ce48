#include "filter/sanitizer.h"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cordon::filter_detail {
namespace {

constexpr std::string_view kFFFD = "\xEF\xBF\xBD";
// Sequences longer than this are abandoned (the rest is shown as text), so an
// unterminated OSC cannot swallow the output.
constexpr uint32_t kMaxCsi = 256;
constexpr uint32_t kMaxStr = 8192;

// Bytes that need no attention in text state.
constexpr std::array<bool, 256> make_plain(bool cr) {
  std::array<bool, 256> t{};
  for (int i = 0x20; i < 0x7F; ++i) t[i] = true;
  t['\n'] = true;
  t['\t'] = true;
  if (cr) t['\r'] = true;
  return t;
}
constexpr auto kPlain = make_plain(false);
constexpr auto kPlainCr = make_plain(true);

void append_escaped(uint32_t cp, std::string& out) {
  static const char* hex = "0123456789abcdef";
  if (cp < 0x100) {
    out += "\\x";
    out += hex[(cp >> 4) & 15];
    out += hex[cp & 15];
  } else {
    out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out += hex[(cp >> s) & 15];
  }
}

// Length of the run of bytes at p[0..n) that need no attention in text
// state: printable ASCII, \n, \t and (if cr) \r. Portable form (SSE2 on
// x86-64), and AVX2 / AVX-512 forms picked at run time: most tool output is
// such runs, so this loop is the sanitiser's cost.
std::size_t plain_run_base(const unsigned char* p, std::size_t n, bool cr) {
  const auto& plain = cr ? kPlainCr : kPlain;
  std::size_t j = 0;
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F), nl = _mm_set1_epi8('\n'), tab = _mm_set1_epi8('\t'),
                ret = _mm_set1_epi8(cr ? '\r' : '\n');
  for (; j + 16 <= n; j += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j));
    // Signed compare: 0x20..0x7F are > 0x1F; bytes >= 0x80 are negative.
    __m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, del), _mm_cmpgt_epi8(v, lo));
    ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, ret))));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(ok));
    if (m != 0xFFFFu) return j + static_cast<std::size_t>(__builtin_ctz(~m));
  }
#endif
  while (j < n && plain[p[j]]) ++j;
  return j;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) std::size_t plain_run_avx2(const unsigned char* p, std::size_t n, bool cr) {
  const __m256i lo = _mm256_set1_epi8(0x1F), del = _mm256_set1_epi8(0x7F), nl = _mm256_set1_epi8('\n'),
                tab = _mm256_set1_epi8('\t'), ret = _mm256_set1_epi8(cr ? '\r' : '\n');
  std::size_t j = 0;
  for (; j + 32 <= n; j += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j));
    __m256i ok = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, del), _mm256_cmpgt_epi8(v, lo));
    ok = _mm256_or_si256(ok, _mm256_or_si256(_mm256_cmpeq_epi8(v, nl),
                                             _mm256_or_si256(_mm256_cmpeq_epi8(v, tab), _mm256_cmpeq_epi8(v, ret))));
    unsigned m = static_cast<unsigned>(_mm256_movemask_epi8(ok));
    if (m != 0xFFFFFFFFu) return j + static_cast<std::size_t>(__builtin_ctz(~m));
  }
  return j + plain_run_base(p + j, n - j, cr);
}

__attribute__((target("avx512f,avx512bw"))) std::size_t plain_run_avx512(const unsigned char* p, std::size_t n, bool cr) {
  const __m512i lo = _mm512_set1_epi8(0x1F), del = _mm512_set1_epi8(0x7F), nl = _mm512_set1_epi8('\n'),
                tab = _mm512_set1_epi8('\t'), ret = _mm512_set1_epi8(cr ? '\r' : '\n');
  std::size_t j = 0;
  for (; j + 64 <= n; j += 64) {
    __m512i v = _mm512_loadu_si512(p + j);
    __mmask64 ok = _mm512_cmpgt_epi8_mask(v, lo) & ~_mm512_cmpeq_epi8_mask(v, del);
    ok |= _mm512_cmpeq_epi8_mask(v, nl) | _mm512_cmpeq_epi8_mask(v, tab) | _mm512_cmpeq_epi8_mask(v, ret);
    if (ok != ~uint64_t{0}) return j + static_cast<std::size_t>(__builtin_ctzll(~ok));
  }
  return j + plain_run_base(p + j, n - j, cr);
}
#endif

using PlainRunFn = std::size_t (*)(const unsigned char*, std::size_t, bool);

PlainRunFn pick_plain_run() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512bw")) return plain_run_avx512;
  if (__builtin_cpu_supports("avx2")) return plain_run_avx2;
#endif
  return plain_run_base;
}

}  // namespace

Sanitizer::Sanitizer(ControlMode mode, bool keep_cr) : mode_(mode), keep_cr_(keep_cr) {}

void Sanitizer::push(std::string_view in, std::string& out) {
  static const PlainRunFn plain_run = pick_plain_run();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t n = in.size(), i = 0;
  out.reserve(out.size() + n);
  while (i < n) {
    if (st_ == St::text && u8_need_ == 0) {
      std::size_t j = i + plain_run(p + i, n - i, keep_cr_);
      if (j > i) {
        out.append(in.data() + i, j - i);
        i = j;
        if (i == n) break;
      }
    }
    byte(p[i++], out);
  }
}

void Sanitizer::finish(std::string& out) {
  if (u8_need_) {
    out += kFFFD;
    ++invalid_utf8;
    u8_need_ = u8_have_ = 0;
  }
  st_ = St::text;
}

void Sanitizer::control(uint32_t cp, std::string& out) {
  ++controls_removed;
  if (mode_ == ControlMode::escape) {
    append_escaped(cp, out);
    return;
  }
  seq_len_ = 0;
  if (cp == 0x1B) st_ = St::esc;
  else if (cp == 0x9B) st_ = St::csi;
  else if (cp == 0x9D) { st_ = St::str; str_is_osc_ = true; }
  else if (cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F) { st_ = St::str; str_is_osc_ = false; }
}

void Sanitizer::code_point(uint32_t cp, std::string_view bytes, std::string& out) {
  // Inside an escape sequence every code point is consumed.
  switch (st_) {
    case St::text: break;
    case St::esc:
      if (cp == '[') st_ = St::csi;
      else if (cp == ']') { st_ = St::str; str_is_osc_ = true; }
      else if (cp == 'P' || cp == 'X' || cp == '^' || cp == '_') { st_ = St::str; str_is_osc_ = false; }
      else if (cp >= 0x20 && cp <= 0x2F) st_ = St::esc_inter;
      else if (cp == 0x1B) return;  // ESC ESC: stay
      else if (cp >= 0x30 && cp <= 0x7E) st_ = St::text;
      else { st_ = St::text; break; }  // not a sequence: handle the code point as text
      return;
    case St::esc_inter:
      if (cp >= 0x20 && cp <= 0x2F && ++seq_len_ < kMaxCsi) return;
      st_ = St::text;
      if (cp >= 0x30 && cp <= 0x7E) return;
      break;
    case St::csi:
      if (cp >= 0x40 && cp <= 0x7E) { st_ = St::text; return; }
      if (cp >= 0x20 && cp <= 0x3F && ++seq_len_ < kMaxCsi) return;
      st_ = St::text;  // malformed: drop the sequence, treat this as text
      break;
    case St::str:
      if (cp == 0x07 && str_is_osc_) { st_ = St::text; return; }
      if (cp == 0x9C) { st_ = St::text; return; }
      if (cp == 0x1B) { st_ = St::str_esc; return; }
      if (++seq_len_ < kMaxStr) return;
      st_ = St::text;
      break;
    case St::str_esc:
      if (cp == '\\') { st_ = St::text; return; }
      st_ = cp == 0x1B ? St::str_esc : St::str;
      if (st_ == St::str && ++seq_len_ >= kMaxStr) { st_ = St::text; break; }
      return;
  }
  bool keep;
  if (cp < 0x20) keep = cp == '\n' || cp == '\t' || (cp == '\r' && keep_cr_);
  else keep = !(cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069));
  if (keep) {
    out.append(bytes);
    return;
  }
  control(cp, out);
}

void Sanitizer::byte(unsigned char b, std::string& out) {
  if (u8_need_ == 0) {
    if (b < 0x80) {
      char c = static_cast<char>(b);
      code_point(b, std::string_view(&c, 1), out);
      return;
    }
    if (b >= 0xC2 && b <= 0xDF) { u8_need_ = 2; u8_cp_ = b & 0x1Fu; }
    else if (b >= 0xE0 && b <= 0xEF) { u8_need_ = 3; u8_cp_ = b & 0x0Fu; }
    else if (b >= 0xF0 && b <= 0xF4) { u8_need_ = 4; u8_cp_ = b & 0x07u; }
    else {
      ++invalid_utf8;
      if (st_ == St::text) out += kFFFD;
      return;
    }
    u8_[0] = b;
    u8_have_ = 1;
    return;
  }
  // Continuation byte: check the allowed range (no overlongs, surrogates or > U+10FFFF).
  unsigned char lo = 0x80, hi = 0xBF;
  if (u8_have_ == 1) {
    if (u8_[0] == 0xE0) lo = 0xA0;
    else if (u8_[0] == 0xED) hi = 0x9F;
    else if (u8_[0] == 0xF0) lo = 0x90;
    else if (u8_[0] == 0xF4) hi = 0x8F;
  }
  if (b < lo || b > hi) {
    ++invalid_utf8;
    if (st_ == St::text) out += kFFFD;
    u8_need_ = u8_have_ = 0;
    byte(b, out);  // reprocess as a new start
    return;
  }
  u8_[u8_have_++] = b;
  u8_cp_ = (u8_cp_ << 6) | (b & 0x3Fu);
  if (u8_have_ == u8_need_) {
    std::string_view bytes(reinterpret_cast<const char*>(u8_), u8_have_);
    u8_need_ = u8_have_ = 0;
    code_point(u8_cp_, bytes, out);
  }
}

}  // namespace cordon::filter_detail
