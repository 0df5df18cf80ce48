#include "filter/prefilter.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <map>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CORDON_GATE_X86 1
#endif

namespace cordon::filter_detail {
namespace {

using Set = std::array<uint64_t, 4>;

void set_add(Set& s, unsigned b) { s[b >> 6] |= uint64_t{1} << (b & 63); }
bool set_has(const Set& s, unsigned b) { return (s[b >> 6] >> (b & 63)) & 1; }
void set_range(Set& s, unsigned lo, unsigned hi) {
  for (unsigned b = lo; b <= hi; ++b) set_add(s, b);
}
Set set_not(const Set& s) { return {~s[0], ~s[1], ~s[2], ~s[3]}; }
void set_or(Set& a, const Set& b) {
  for (int i = 0; i < 4; ++i) a[i] |= b[i];
}
unsigned set_count(const Set& s) {
  unsigned n = 0;
  for (uint64_t w : s) n += static_cast<unsigned>(std::popcount(w));
  return n;
}

Set digits() {
  Set s{};
  set_range(s, '0', '9');
  return s;
}
Set word() {
  Set s = digits();
  set_range(s, 'A', 'Z');
  set_range(s, 'a', 'z');
  set_add(s, '_');
  return s;
}
Set space() {
  Set s{};
  for (unsigned char c : std::string_view(" \t\n\r\f\v")) set_add(s, c);
  return s;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads one escape after '\' at e[i]; advances i. Returns false if unknown.
bool escape(std::string_view e, std::size_t& i, Set& out, std::string& err) {
  if (i >= e.size()) {
    err = "trailing backslash";
    return false;
  }
  char c = e[i++];
  switch (c) {
    case 'd': out = digits(); return true;
    case 'D': out = set_not(digits()); return true;
    case 'w': out = word(); return true;
    case 'W': out = set_not(word()); return true;
    case 's': out = space(); return true;
    case 'S': out = set_not(space()); return true;
    case 'n': out = {}; set_add(out, '\n'); return true;
    case 't': out = {}; set_add(out, '\t'); return true;
    case 'r': out = {}; set_add(out, '\r'); return true;
    case 'x': {
      if (i + 2 > e.size() || hexval(e[i]) < 0 || hexval(e[i + 1]) < 0) {
        err = "\\x needs two hex digits";
        return false;
      }
      out = {};
      set_add(out, static_cast<unsigned>(hexval(e[i]) * 16 + hexval(e[i + 1])));
      i += 2;
      return true;
    }
    default:
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        err = std::string("unsupported escape \\") + c;
        return false;
      }
      out = {};
      set_add(out, static_cast<unsigned char>(c));
      return true;
  }
}

bool bracket(std::string_view e, std::size_t& i, Set& out, std::string& err) {
  bool neg = i < e.size() && e[i] == '^';
  if (neg) ++i;
  Set s{};
  bool any = false;
  while (i < e.size() && e[i] != ']') {
    Set one{};
    int single = -1;
    if (e[i] == '\\') {
      ++i;
      if (!escape(e, i, one, err)) return false;
      if (set_count(one) == 1)
        for (unsigned b = 0; b < 256; ++b)
          if (set_has(one, b)) single = static_cast<int>(b);
    } else {
      single = static_cast<unsigned char>(e[i++]);
      set_add(one, static_cast<unsigned>(single));
    }
    if (single >= 0 && i + 1 < e.size() && e[i] == '-' && e[i + 1] != ']') {
      ++i;
      int hi;
      if (e[i] == '\\') {
        ++i;
        Set h{};
        if (!escape(e, i, h, err)) return false;
        if (set_count(h) != 1) {
          err = "bad range in class";
          return false;
        }
        hi = 0;
        while (!set_has(h, static_cast<unsigned>(hi))) ++hi;
      } else {
        hi = static_cast<unsigned char>(e[i++]);
      }
      if (hi < single) {
        err = "bad range in class";
        return false;
      }
      set_range(one, static_cast<unsigned>(single), static_cast<unsigned>(hi));
    }
    set_or(s, one);
    any = true;
  }
  if (i >= e.size()) {
    err = "unterminated [";
    return false;
  }
  ++i;  // ']'
  if (!any) {
    err = "empty class";
    return false;
  }
  out = neg ? set_not(s) : s;
  return true;
}

bool number(std::string_view e, std::size_t& i, unsigned& v) {
  std::size_t s = i;
  v = 0;
  while (i < e.size() && e[i] >= '0' && e[i] <= '9' && i - s < 3) v = v * 10 + static_cast<unsigned>(e[i++] - '0');
  return i > s;
}

using Range = std::pair<uint8_t, uint8_t>;

#ifndef CORDON_GATE_X86
void ranges_scalar(const unsigned char* p, const Range* r, std::size_t n, uint64_t* out, std::size_t stride) {
  for (std::size_t k = 0; k < n; ++k) {
    uint64_t m = 0;
    for (unsigned i = 0; i < 64; ++i) m |= uint64_t{p[i] >= r[k].first && p[i] <= r[k].second} << i;
    out[k * stride] = m;
  }
}
#else
// x - lo <= hi - lo (unsigned) <=> lo <= x <= hi.
void ranges_sse2(const unsigned char* p, const Range* r, std::size_t n, uint64_t* out, std::size_t stride) {
  __m128i v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
  for (std::size_t k = 0; k < n; ++k) {
    const __m128i l = _mm_set1_epi8(static_cast<char>(r[k].first)), s = _mm_set1_epi8(static_cast<char>(r[k].second - r[k].first));
    uint64_t m = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i t = _mm_sub_epi8(v[i], l);
      m |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, s), t)))} << (16 * i);
    }
    out[k * stride] = m;
  }
}

__attribute__((target("avx2"))) void ranges_avx2(const unsigned char* p, const Range* r, std::size_t n, uint64_t* out,
                                                 std::size_t stride) {
  __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  for (std::size_t k = 0; k < n; ++k) {
    const __m256i l = _mm256_set1_epi8(static_cast<char>(r[k].first));
    const __m256i s = _mm256_set1_epi8(static_cast<char>(r[k].second - r[k].first));
    __m256i t0 = _mm256_sub_epi8(v0, l), t1 = _mm256_sub_epi8(v1, l);
    uint64_t a = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(t0, s), t0)));
    uint64_t b = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(t1, s), t1)));
    out[k * stride] = a | (b << 32);
  }
}

// All windows of a group, eight ranges at a time with their constants held
// in registers.
__attribute__((target("avx512f,avx512bw"))) void ranges_avx512(const unsigned char* const* win, unsigned nwin, const Range* r,
                                                                 std::size_t n, uint64_t* out, std::size_t stride) {
  for (std::size_t k0 = 0; k0 < n; k0 += 8) {
    const std::size_t m = std::min<std::size_t>(8, n - k0);
    __m512i lo[8], span[8];
#pragma GCC unroll 8
    for (std::size_t j = 0; j < 8; ++j) {
      const Range& g = r[k0 + std::min(j, m - 1)];
      lo[j] = _mm512_set1_epi8(static_cast<char>(g.first));
      span[j] = _mm512_set1_epi8(static_cast<char>(g.second - g.first));
    }
    for (unsigned w = 0; w < nwin; ++w) {
      __m512i v = _mm512_loadu_si512(win[w]);
      uint64_t* o = out + k0 * stride + w;
#pragma GCC unroll 8
      for (std::size_t j = 0; j < 8; ++j)
        if (j < m) o[j * stride] = _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, lo[j]), span[j]);
    }
  }
}
#endif

// One window at a time, for the paths above without a group form.
template <void (*F)(const unsigned char*, const Range*, std::size_t, uint64_t*, std::size_t)>
void ranges_each(const unsigned char* const* win, unsigned nwin, const Range* r, std::size_t n, uint64_t* out,
                 std::size_t stride) {
  for (unsigned w = 0; w < nwin; ++w) F(win[w], r, n, out + w, stride);
}

// Lane-parallel op execution: register r occupies v[r * kLanes, (r + 1) * kLanes).
constexpr unsigned kL = GateProgram::kLanes;

void ops_scalar(const GateProgram::Op* ops, std::size_t n, uint64_t* v) {
  for (std::size_t i = 0; i < n; ++i) {
    const GateProgram::Op& op = ops[i];
    uint64_t* d = v + op.dst * kL;
    const uint64_t* a = v + op.a * kL;
    const uint64_t* b = v + op.b * kL;
    for (unsigned l = 0; l < kL; ++l) {
      uint64_t t = (b[l] << op.shift) ^ op.flip;
      d[l] = (a[l] & t) | (op.either & (a[l] | t));
    }
  }
}

#ifdef CORDON_GATE_X86
// Each op's lanes are independent: load them all, then store, so the
// dependent ops of a program overlap (latency, not width, bounds this loop).
__attribute__((target("avx2"))) void ops_avx2(const GateProgram::Op* ops, std::size_t n, uint64_t* v) {
  constexpr unsigned Z = kL / 4;
  for (std::size_t i = 0; i < n; ++i) {
    const GateProgram::Op& op = ops[i];
    const __m128i s = _mm_cvtsi32_si128(op.shift);
    const __m256i flip = _mm256_set1_epi64x(static_cast<long long>(op.flip));
    const __m256i either = _mm256_set1_epi64x(static_cast<long long>(op.either));
    const uint64_t* pa = v + op.a * kL;
    const uint64_t* pb = v + op.b * kL;
    __m256i r[Z];
#pragma GCC unroll 8
    for (unsigned h = 0; h < Z; ++h) {
      __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(pa + 4 * h));
      __m256i t = _mm256_xor_si256(_mm256_sll_epi64(_mm256_load_si256(reinterpret_cast<const __m256i*>(pb + 4 * h)), s), flip);
      r[h] = _mm256_or_si256(_mm256_and_si256(a, t), _mm256_and_si256(either, _mm256_or_si256(a, t)));
    }
    uint64_t* pd = v + op.dst * kL;
#pragma GCC unroll 8
    for (unsigned h = 0; h < Z; ++h) _mm256_store_si256(reinterpret_cast<__m256i*>(pd + 4 * h), r[h]);
  }
}

__attribute__((target("avx512f"))) void ops_avx512(const GateProgram::Op* ops, std::size_t n, uint64_t* v) {
  constexpr unsigned Z = kL / 8;
  for (std::size_t i = 0; i < n; ++i) {
    const GateProgram::Op& op = ops[i];
    const __m512i s = _mm512_set1_epi64(op.shift);
    const __m512i flip = _mm512_set1_epi64(static_cast<long long>(op.flip));
    const __m512i either = _mm512_set1_epi64(static_cast<long long>(op.either));
    const uint64_t* pa = v + op.a * kL;
    const uint64_t* pb = v + op.b * kL;
    __m512i r[Z];
#pragma GCC unroll 8
    for (unsigned h = 0; h < Z; ++h) {
      __m512i a = _mm512_load_si512(pa + 8 * h);
      __m512i b = _mm512_load_si512(pb + 8 * h);
      b = _mm512_mask_sllv_epi64(b, static_cast<__mmask8>(0xFF), b, s);  // (the unmasked form warns in GCC 12)
      // Majority of (a, b ^ flip, either): a & t, or a | t when `either` is all ones.
      r[h] = _mm512_ternarylogic_epi64(a, _mm512_xor_si512(b, flip), either, 0xE8);
    }
    uint64_t* pd = v + op.dst * kL;
#pragma GCC unroll 8
    for (unsigned h = 0; h < Z; ++h) _mm512_store_si512(pd + 8 * h, r[h]);
  }
}
#endif

}  // namespace

int GateProgram::add(std::string_view e, std::string& err) {
  for (std::size_t g = 0; g < gates.size(); ++g)
    if (gates[g].text == e) return static_cast<int>(g);
  Gate gate;
  gate.text = std::string(e);
  std::size_t i = 0;
  while (i < e.size()) {
    Set s{};
    char c = e[i++];
    if (c == '\\') {
      if (!escape(e, i, s, err)) return -1;
    } else if (c == '[') {
      if (!bracket(e, i, s, err)) return -1;
    } else if (c == '.') {
      s = set_not(Set{});
      s[0] &= ~(uint64_t{1} << '\n');
    } else if (std::strchr("()|{}*+^$]", c) || c == '?') {
      err = std::string("unexpected '") + c + "' (no groups, alternation, anchors or unbounded repeats)";
      return -1;
    } else {
      set_add(s, static_cast<unsigned char>(c));
    }
    unsigned mn = 1, mx = 1;
    if (i < e.size() && e[i] == '?') {
      mn = 0;
      ++i;
    } else if (i < e.size() && (e[i] == '*' || e[i] == '+')) {
      err = "unbounded repeats (* +) are not supported";
      return -1;
    } else if (i < e.size() && e[i] == '{') {
      ++i;
      if (!number(e, i, mn)) {
        err = "bad repeat";
        return -1;
      }
      mx = mn;
      if (i < e.size() && e[i] == ',') {
        ++i;
        if (!number(e, i, mx)) {
          err = "bad repeat (no {m,})";
          return -1;
        }
      }
      if (i >= e.size() || e[i] != '}' || mx < mn || mx == 0) {
        err = "bad repeat";
        return -1;
      }
      ++i;
    }
    // Class index (deduplicated); ranges from the set or, if smaller, its complement.
    uint16_t ci = 0;
    while (ci < classes.size() && classes[ci].set != s) ++ci;
    if (ci == classes.size()) {
      GateClass k;
      k.set = s;
      k.negate = set_count(s) > 128;
      Set r = k.negate ? set_not(s) : s;
      for (unsigned b = 0; b < 256;) {
        if (!set_has(r, b)) {
          ++b;
          continue;
        }
        unsigned h = b;
        while (h + 1 < 256 && set_has(r, h + 1)) ++h;
        std::pair<uint8_t, uint8_t> rg{static_cast<uint8_t>(b), static_cast<uint8_t>(h)};
        auto it = std::find(ranges.begin(), ranges.end(), rg);
        k.ranges.push_back(static_cast<uint16_t>(it - ranges.begin()));
        if (it == ranges.end()) ranges.push_back(rg);
        b = h + 1;
      }
      classes.push_back(std::move(k));
    }
    gate.steps.push_back({ci, static_cast<uint8_t>(mn), static_cast<uint8_t>(mx)});
    gate.min_len += mn;
    gate.max_len += mx;
  }
  if (gate.steps.empty() || gate.steps[0].min == 0) {
    err = "must start with a character that is always present";
    return -1;
  }
  if (gate.max_len > kMaxLen) {
    err = "may span more than " + std::to_string(kMaxLen) + " bytes";
    return -1;
  }
  gates.push_back(std::move(gate));
  return static_cast<int>(gates.size() - 1);
}

void GateProgram::finish() {
  ops.clear();
  class_reg.clear();
  ones = static_cast<uint16_t>(ranges.size());
  regs = ones + 1u;
  auto op = [&](uint16_t a, uint16_t b, unsigned shift, OpKind kind) {
    uint16_t d = static_cast<uint16_t>(regs++);
    ops.push_back({d, a, b, static_cast<uint8_t>(shift), kind, kind == OpKind::andnot ? ~uint64_t{0} : 0,
                   kind == OpKind::or_ ? ~uint64_t{0} : 0});
    return d;
  };
  for (const GateClass& k : classes) {
    uint16_t r = k.ranges[0];
    for (std::size_t i = 1; i < k.ranges.size(); ++i) r = op(r, k.ranges[i], 0, OpKind::or_);
    if (k.negate) r = op(ones, r, 0, OpKind::andnot);
    class_reg.push_back(r);
  }
  // Run of k bytes of class c ending at each bit: doubling, shared.
  std::map<std::pair<uint16_t, unsigned>, uint16_t> runs;
  std::function<uint16_t(uint16_t, unsigned)> run = [&](uint16_t c, unsigned k) -> uint16_t {
    if (k == 1) return class_reg[c];
    if (auto it = runs.find({c, k}); it != runs.end()) return it->second;
    unsigned hi = std::bit_floor(k);
    uint16_t r;
    if (hi == k) {
      uint16_t h = run(c, k / 2);
      r = op(h, h, k / 2, OpKind::and_);
    } else {
      r = op(run(c, hi), run(c, k - hi), hi, OpKind::and_);  // the last `hi` bytes, and the k - hi before them
    }
    runs[{c, k}] = r;
    return r;
  };
  for (Gate& g : gates) {
    // x: bit p set where a prefix of the gate can end (its last byte at p).
    uint16_t x = 0;
    bool first = true;
    for (const GateStep& st : g.steps) {
      if (first) {
        x = run(st.cls, st.min);  // a longer run ending at p contains this one
        first = false;
        continue;
      }
      int acc = st.min == 0 ? static_cast<int>(x) : -1;
      for (unsigned k = std::max(1u, unsigned{st.min}); k <= st.max; ++k) {
        uint16_t t = op(run(st.cls, k), x, k, OpKind::and_);  // k more bytes of the class right after
        acc = acc < 0 ? t : op(static_cast<uint16_t>(acc), t, 0, OpKind::or_);
      }
      x = static_cast<uint16_t>(acc);
    }
    g.result = x;
  }
}

GateScanner::GateScanner(const GateProgram& p)
    : p_(p),
#ifdef CORDON_GATE_X86
      ranges_fn_(ranges_each<ranges_sse2>),
#else
      ranges_fn_(ranges_each<ranges_scalar>),
#endif
      ops_fn_(ops_scalar),
      v_(p.regs * GateProgram::kLanes + 8, 0) {
#ifdef CORDON_GATE_X86
  if (__builtin_cpu_supports("avx2")) ranges_fn_ = ranges_each<ranges_avx2>, ops_fn_ = ops_avx2;
  if (__builtin_cpu_supports("avx512bw")) ranges_fn_ = ranges_avx512, ops_fn_ = ops_avx512;
#endif
  auto addr = reinterpret_cast<uintptr_t>(v_.data());
  v_aligned_ = v_.data() + ((64 - addr % 64) % 64) / sizeof(uint64_t);
  for (unsigned l = 0; l < GateProgram::kLanes; ++l) v_aligned_[p_.ones * GateProgram::kLanes + l] = ~uint64_t{0};
}

void GateScanner::group(const unsigned char* const* win, unsigned n, uint64_t gate_pos, uint64_t limit,
                        std::vector<GateFire>& out) {
  constexpr unsigned L = GateProgram::kLanes;
  uint64_t* v = v_aligned_;
  ranges_fn_(win, n, p_.ranges.data(), p_.ranges.size(), v, L);
  for (unsigned w = n; w < L; ++w)
    for (std::size_t r = 0; r < p_.ranges.size(); ++r) v[r * L + w] = 0;
  ops_fn_(p_.ops.data(), p_.ops.size(), v);
  std::size_t first = out.size();
  for (unsigned g = 0; g < p_.gates.size(); ++g) {
    const uint64_t* r = v + p_.gates[g].result * L;
    // Bits 0..15 are the window's context; the rest were reported by no other window.
    uint64_t hit = 0;
    for (unsigned w = 0; w < n; ++w) hit |= r[w];
    if (!(hit & ~uint64_t{0xFFFF})) continue;
    for (unsigned w = 0; w < n; ++w) {
      uint64_t m = r[w] & ~uint64_t{0xFFFF};
      while (m) {
        unsigned b = static_cast<unsigned>(std::countr_zero(m));
        m &= m - 1;
        uint64_t g_last = gate_pos + 48 * w - 16 + b;  // gate-stream position of the last byte
        if (g_last >= limit || g_last < 1) continue;   // past the real bytes, or only the virtual "\n"
        out.push_back({g_last, g});  // the text offset just after it: the same number
      }
    }
  }
  if (out.size() - first > 1)
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const GateFire& a, const GateFire& b) { return a.end < b.end; });
}

uint64_t GateScanner::scan(std::string_view text, uint64_t text_base, bool final, std::vector<GateFire>& out) {
  if (p_.gates.empty()) return text_base + text.size();
  constexpr unsigned L = GateProgram::kLanes;
  const uint64_t text_end = text_base + text.size();
  const uint64_t gate_end = text_end + 1;  // gate-stream bytes available ("\n" + text)
  // Window w of a group: gate positions [done_ + 48w - 16, done_ + 48w + 48).
  while (done_ + 48 * L <= gate_end || (final && done_ < gate_end)) {
    unsigned char tmp[L][64];
    const unsigned char* win[L];
    unsigned n = 0;
    for (; n < L && done_ + 48 * n < gate_end; ++n) {
      uint64_t start = done_ + 48 * n;  // window bytes: gate positions start - 16 .. start + 47
      if (start >= 17 && start + 48 <= gate_end) {
        win[n] = reinterpret_cast<const unsigned char*>(text.data() + (start - 17 - text_base));
        continue;
      }
      std::memset(tmp[n], 0, 64);
      for (unsigned i = 0; i < 64; ++i) {
        uint64_t g = start + i;
        if (g < 16 || g - 16 >= gate_end) continue;
        g -= 16;
        tmp[n][i] = g == 0 ? '\n' : static_cast<unsigned char>(text[g - 1 - text_base]);
      }
      win[n] = tmp[n];
    }
    group(win, n, done_, gate_end, out);
    done_ += 48 * L;
  }
  return final ? text_end : done_;
}

}  // namespace cordon::filter_detail
