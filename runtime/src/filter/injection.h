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

// Reads the "injection" section of a rules file into `c`; "" or the error.
std::string parse_injection(const nlohmann::json& j, Compiled& c);
void compile_injection(Compiled& c, std::vector<std::string>& problems);
// Base64 substrings that appear whenever `text` is base64-encoded at byte
// alignment 0, 1 or 2 (std alphabet).
std::vector<std::string> base64_aligned_forms(std::string_view text, bool url_alphabet);

class InjectionDetector {
 public:
  InjectionDetector(const Compiled& c, hs_scratch_t* scratch);
  ~InjectionDetector();
  InjectionDetector(const InjectionDetector&) = delete;
  InjectionDetector& operator=(const InjectionDetector&) = delete;

  void feed(std::string_view sanitized);
  void finish();
  double score() const;
  const std::vector<InjectionFinding>& findings() const { return findings_; }
  std::size_t buffered_bytes() const { return tail_.capacity() + fold_.capacity(); }

  struct Hit {
    unsigned id;
    unsigned long long from, to;
  };

 private:
  void process(bool final);
  void add(const InjRule& r, uint64_t from, uint64_t to, double weight, bool obfuscated);
  double damping(uint64_t from, uint64_t to) const;
  void decode_b64(uint64_t from, uint64_t to);
  uint64_t start_of(const Hit& h) const;

  const Compiled& c_;
  hs_scratch_t* scratch_;
  hs_stream_t* stream_ = nullptr;
  std::string fold_;
  std::string tail_;         // last bytes of the folded stream
  uint64_t tail_base_ = 0;   // stream offset of tail_[0]
  uint64_t off_ = 0;         // folded bytes scanned so far
  std::vector<Hit> hits_;
  std::vector<uint64_t> folded_at_;  // stream offsets where folding changed the text (current window)
  std::map<std::string, double> cat_max_;
  std::map<unsigned, uint64_t> last_from_;
  uint64_t b64_done_until_ = 0;
  std::vector<InjectionFinding> findings_;
};

}  // namespace cordon::filter_detail
