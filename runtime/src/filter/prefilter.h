// Prefilters for rules whose patterns have no literal Hyperscan could
// anchor on (most personal-data formats are digits and separators only).
//
// A prefilter is a short expression that every match the rule can accept
// contains (the rule author's promise, checked by the tests for the shipped
// rules). Syntax, a subset of regex without groups or alternation (give
// several prefilters for alternatives): single characters, escapes \d \D \w
// \W \s \S \n \t \r \xHH and escaped punctuation (\. \- \( ...), classes
// [...] / [^...] with ranges, and "." (any byte but \n), each optionally
// followed by ?, {n} or {m,n}; an occurrence spans at most 17 bytes. Before
// the first byte the stream counts as "\n", so "[^\w.-]\d" also fires for a
// number at the very start. Extra occurrences only cost time; a missed one
// would hide a match.
//
// How it runs: the text is cut into 64-byte windows 48 bytes apart (16 bytes
// of overlap, so an occurrence ending in a window's last 48 bytes lies
// wholly inside it and nothing carries between windows). For each window a
// 64-bit mask per byte range is computed (compares with AVX-512, AVX2 or
// SSE2). Every prefilter is compiled into a short straight list of ops on
// such masks, v[d] = v[a] & (v[b] << s), v[a] | (...) or v[a] & ~(...):
// classes are unions of ranges, runs of one class come from doubling,
// repeats from shifts. The ops run on 32 windows at once, one 64-bit lane
// each (AVX-512 or AVX2 when present), so each op's cost is spread over 1536
// bytes of text.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cordon::filter_detail {

struct GateStep {
  uint16_t cls = 0;  // index into GateProgram::classes
  uint8_t min = 1;   // repeat count
  uint8_t max = 1;
};

struct GateClass {
  std::array<uint64_t, 4> set{};  // member bytes
  std::vector<uint16_t> ranges;   // indices into GateProgram::ranges (of the set, or of its complement)
  bool negate = false;
};

struct Gate {
  std::string text;
  std::vector<GateStep> steps;
  unsigned min_len = 0;          // shortest text an occurrence spans
  unsigned max_len = 0;          // longest
  uint16_t result = 0;           // register holding where occurrences end (after finish())
  std::vector<unsigned> owners;  // region slots (Compiled::regions) using this gate
};

// Every prefilter of a rule set, compiled. Immutable once finish()ed.
struct GateProgram {
  static constexpr unsigned kMaxLen = 17;
  static constexpr unsigned kLanes = 32;  // windows evaluated together (more hide the latency of dependent ops)

  enum class OpKind : uint8_t { and_, or_, andnot };
  // v[dst] = v[a] & x, v[a] | x or v[a] & ~x, with x = v[b] << shift.
  // Branch-free form: t = x ^ flip; v[dst] = (v[a] & t) | (either & (v[a] | t)).
  struct Op {
    uint16_t dst, a, b;
    uint8_t shift;
    OpKind kind;
    uint64_t flip, either;  // all ones or zero, from kind
  };

  std::vector<Gate> gates;
  std::vector<GateClass> classes;
  std::vector<std::pair<uint8_t, uint8_t>> ranges;  // [lo, hi] byte ranges
  // Registers: [0, ranges) are the byte-range masks, `ones` is all ones,
  // the rest (class masks, runs, each gate's result) are computed by `ops`
  // in order.
  std::vector<Op> ops;
  std::vector<uint16_t> class_reg;
  unsigned regs = 0;
  uint16_t ones = 0;

  // Parses `expr` and adds it (or finds the identical one); returns the gate
  // index, or -1 with `error` set.
  int add(std::string_view expr, std::string& error);
  // Compiles the ops; call once after the last add().
  void finish();
  bool empty() const { return gates.empty(); }
};

struct GateFire {
  uint64_t end;   // stream offset just after the occurrence
  unsigned gate;
};

// Per-stream scanning state.
class GateScanner {
 public:
  explicit GateScanner(const GateProgram& p);

  // `text` holds stream bytes [text_base, text_base + text.size()) and must
  // include every byte from next_needed() on. Scans every complete group of
  // windows (and, if `final`, the rest) and appends the occurrences found,
  // sorted by end. Returns the stream offset before which every occurrence
  // end has been reported.
  uint64_t scan(std::string_view text, uint64_t text_base, bool final, std::vector<GateFire>& out);
  // First stream offset the next scan() still needs.
  uint64_t next_needed() const { return done_ < 17 ? 0 : done_ - 17; }

  // Range masks of the 64 bytes at each win[w], the k-th to out[k * stride + w].
  using RangeFn = void (*)(const unsigned char* const* win, unsigned nwin, const std::pair<uint8_t, uint8_t>* r,
                           std::size_t n, uint64_t* out, std::size_t stride);
  using OpsFn = void (*)(const GateProgram::Op* ops, std::size_t n, uint64_t* v);

 private:
  void group(const unsigned char* const* win, unsigned n, uint64_t gate_pos, uint64_t limit, std::vector<GateFire>& out);

  const GateProgram& p_;
  RangeFn ranges_fn_;
  OpsFn ops_fn_;
  uint64_t done_ = 0;  // gate-stream position ("\n" + text) where the next window's new bytes start
  std::vector<uint64_t, std::allocator<uint64_t>> v_;  // regs x kLanes, 64-byte aligned inside
  uint64_t* v_aligned_ = nullptr;
};

}  // namespace cordon::filter_detail
