// Heuristic prompt-injection detector over sanitised tool output.
//
// The text is folded first (Cyrillic/Greek/full-width look-alikes to ASCII,
// zero-width characters removed), then scanned in one Hyperscan stream for
// override phrases, fake role/tool markers, exfiltration and tool-call
// requests, and base64 spellings of trigger words; base64 runs around such
// hits are decoded and scanned again. Each hit is damped when it reads as
// documentation (quoted, or near words like "prompt injection", "for
// example"). The score is 1 - prod(1 - max weight per category).
#pragma once

#include <hs.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "filter/compiled.h"

namespace cordon::filter_detail {

// Reads the "injection" section of a rules file into `c` (patterns, base64
// trigger literals); "" or the error. No Hyperscan calls.
std::string parse_injection(const nlohmann::json& j, Compiled& c);
// Checks every injection pattern with Hyperscan; "" or the errors.
std::string check_injection(const Compiled& c);
// A Hyperscan expression matching `s` literally ("\xHH" per byte).
std::string hs_literal(std::string_view s);
// Base64 substrings that appear whenever `text` is base64-encoded at byte
// alignment 0, 1 or 2 (std alphabet).
std::vector<std::string> base64_aligned_forms(std::string_view text, bool url_alphabet);

// Per-stream detector. Its hits normally come from the filter's main stream
// (which holds the injection patterns next to the secret rules, so one scan
// serves both); once a chunk needs look-alike folding it continues on its
// own copy of that stream, fed the folded text.
class InjectionDetector {
 public:
  InjectionDetector(const Compiled& c, hs_scratch_t* scratch);
  ~InjectionDetector();
  InjectionDetector(const InjectionDetector&) = delete;
  InjectionDetector& operator=(const InjectionDetector&) = delete;

  // Call with each sanitised chunk before the main stream scans it.
  void before_main_scan(std::string_view sanitized, hs_stream_t* main);
  // A main-stream match with id kInjBase + `id` (ignored once on its own stream).
  void add_main_hit(unsigned id, unsigned long long to);
  // The same chunk, after the main stream has scanned it.
  void feed(std::string_view sanitized);
  // After the main stream was closed (and its last hits added).
  void finish();
  double score() const;
  const std::vector<InjectionFinding>& findings() const { return findings_; }
  std::size_t buffered_bytes() const { return tail_.capacity() + fold_.capacity(); }

  struct Hit {
    unsigned id;
    unsigned long long from, to;
  };

 private:
  static int on_own_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* ctx);
  // Pattern `id`'s block database (loaded on first use) with block_scratch_ sized for it.
  const hs_database_t* block_db(unsigned id);
  bool fold(std::string_view in);  // fills fold_; true if anything changed
  void trim();
  void process(bool final);
  void add(const InjRule& r, uint64_t from, uint64_t to, double weight, bool obfuscated);
  double damping(uint64_t from, uint64_t to) const;
  void decode_b64(uint64_t from, uint64_t to);
  uint64_t start_of(const Hit& h);

  const Compiled& c_;
  hs_scratch_t* scratch_;
  hs_stream_t* own_ = nullptr;  // copy of the main stream, once folding started
  hs_scratch_t* block_scratch_ = nullptr;  // for the per-pattern block databases
  bool folded_ = false;         // fold_ holds the current chunk, folded
  std::string fold_;
  std::string tail_;         // last bytes of the folded stream
  uint64_t tail_base_ = 0;   // stream offset of tail_[0]
  uint64_t off_ = 0;         // folded bytes seen so far
  std::vector<Hit> hits_;
  std::vector<uint64_t> folded_at_;  // stream offsets where folding changed the text (current window)
  std::map<std::string, double> cat_max_;
  std::map<unsigned, uint64_t> last_from_;
  uint64_t b64_done_until_ = 0;
  std::vector<InjectionFinding> findings_;
};

}  // namespace cordon::filter_detail
