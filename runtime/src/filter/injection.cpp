#include "filter/injection.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>

#include "filter/validators.h"

namespace cordon::filter_detail {
namespace {

constexpr std::size_t kTailKeep = 4096;
constexpr std::size_t kMaxFindings = 64;

bool b64_char(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' || ch == '=' || ch == '-' || ch == '_';
}

bool ci_contains(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// Look-alike folding: returns the ASCII replacement, 0 to drop the code
// point, or -1 to keep it.
int fold_cp(uint32_t cp) {
  switch (cp) {
    case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF: case 0x00AD: case 0x180E: return 0;
    // Cyrillic
    case 0x0430: return 'a'; case 0x0435: return 'e'; case 0x043E: return 'o'; case 0x0440: return 'p';
    case 0x0441: return 'c'; case 0x0443: return 'y'; case 0x0445: return 'x'; case 0x0456: return 'i';
    case 0x0458: return 'j'; case 0x0455: return 's'; case 0x0501: return 'd'; case 0x04BB: return 'h';
    case 0x051B: return 'q'; case 0x051D: return 'w'; case 0x0410: return 'A'; case 0x0412: return 'B';
    case 0x0415: return 'E'; case 0x041A: return 'K'; case 0x041C: return 'M'; case 0x041D: return 'H';
    case 0x041E: return 'O'; case 0x0420: return 'P'; case 0x0421: return 'C'; case 0x0422: return 'T';
    case 0x0425: return 'X'; case 0x0406: return 'I'; case 0x0405: return 'S'; case 0x0408: return 'J';
    case 0x043A: return 'k'; case 0x043C: return 'm'; case 0x0442: return 't'; case 0x0433: return 'r';
    // Greek
    case 0x03B1: return 'a'; case 0x03BF: return 'o'; case 0x03BD: return 'v'; case 0x03C1: return 'p';
    case 0x03B9: return 'i'; case 0x03BA: return 'k'; case 0x03C4: return 't'; case 0x03C5: return 'u';
    case 0x03B5: return 'e'; case 0x0391: return 'A'; case 0x0392: return 'B'; case 0x0395: return 'E';
    case 0x0396: return 'Z'; case 0x0397: return 'H'; case 0x0399: return 'I'; case 0x039A: return 'K';
    case 0x039C: return 'M'; case 0x039D: return 'N'; case 0x039F: return 'O'; case 0x03A1: return 'P';
    case 0x03A4: return 'T'; case 0x03A5: return 'Y'; case 0x03A7: return 'X'; case 0x03C7: return 'x';
    // Latin look-alikes
    case 0x0131: return 'i'; case 0x0261: return 'g'; case 0x1D00: return 'a';
    default: break;
  }
  if (cp >= 0xFF01 && cp <= 0xFF5E) return static_cast<int>(cp - 0xFF01 + 0x21);  // full-width ASCII
  if (cp == 0x3000 || cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F) return ' ';
  return -1;
}

int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  static_cast<std::vector<InjectionDetector::Hit>*>(ctx)->push_back({id, from, to});
  return 0;
}

}  // namespace

std::string hs_literal(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : s) {
    out += "\\x";
    out += hex[ch >> 4];
    out += hex[ch & 15];
  }
  return out;
}

std::vector<std::string> base64_aligned_forms(std::string_view text, bool url) {
  static const char* std_a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char* url_a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* A = url ? url_a : std_a;
  std::vector<std::string> out;
  for (std::size_t a = 0; a < 3; ++a) {
    std::string bytes(a, '\0');
    bytes.append(text);
    bytes.append(2, '\0');
    std::string enc;
    for (std::size_t i = 0; i + 2 < bytes.size() + 2 && i < bytes.size(); i += 3) {
      uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
      if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
      if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
      for (int k = 3; k >= 0; --k) enc += A[(v >> (6 * k)) & 63];
    }
    // Character k covers bits [6k, 6k+6); keep those inside the text's bits.
    std::size_t lo = 8 * a, hi = 8 * (a + text.size());
    std::string stable;
    for (std::size_t k = 0; k < enc.size(); ++k)
      if (6 * k >= lo && 6 * k + 6 <= hi) stable += enc[k];
    if (stable.size() >= 4) out.push_back(stable);
  }
  return out;
}

std::string parse_injection(const nlohmann::json& j, Compiled& c) {
  if (j.is_null()) return "";
  if (!j.is_object()) return "must be an object";
  std::string errs;
  c.inj_threshold = j.value("threshold", 0.5);
  if (j.contains("doc_context"))
    for (auto& w : j["doc_context"]) {
      std::string s = w.is_string() ? w.get<std::string>() : "";
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!s.empty()) c.doc_context.push_back(s);
    }
  if (j.contains("patterns") && j["patterns"].is_array()) {
    for (auto& p : j["patterns"]) {
      InjRule r;
      r.id = p.value("id", "");
      r.category = p.value("category", "");
      r.weight = p.value("weight", 0.0);
      std::string pat = p.value("pattern", "");
      if (r.id.empty() || pat.empty() || r.weight <= 0 || r.weight > 1) {
        errs += "pattern '" + r.id + "' needs id, pattern and weight in (0,1]; ";
        continue;
      }
      static const std::set<std::string> kCats = {"override", "role_marker", "exfiltration", "tool_call"};
      if (!kCats.count(r.category)) errs += "pattern '" + r.id + "': unknown category '" + r.category + "'; ";
      c.inj.push_back(r);
      c.inj_patterns_.push_back(pat);
    }
  }
  std::set<std::string> seen;
  if (j.contains("base64_triggers"))
    for (auto& w : j["base64_triggers"])
      if (w.is_string())
        for (bool url : {false, true})
          for (auto& s : base64_aligned_forms(w.get<std::string>(), url))
            if (seen.insert(s).second) {
              c.inj_b64_lits.push_back(hs_literal(s));
              c.inj_b64_len.push_back(static_cast<unsigned>(s.size()));
            }
  if (!errs.empty()) errs.resize(errs.size() - 2);
  return errs;
}

std::string check_injection(const Compiled& c) {
  std::string errs;
  for (std::size_t i = 0; i < c.inj.size(); ++i) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* e = nullptr;
    if (hs_expression_info(c.inj_patterns_[i].c_str(), HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST, &info, &e) != HS_SUCCESS) {
      errs += "pattern '" + c.inj[i].id + "': " + (e ? e->message : "invalid") + "; ";
      hs_free_compile_error(e);
      continue;
    }
    std::free(info);
  }
  if (!errs.empty()) errs.resize(errs.size() - 2);
  return errs;
}

InjectionDetector::InjectionDetector(const Compiled& c, hs_scratch_t* scratch) : c_(c), scratch_(scratch) {}

InjectionDetector::~InjectionDetector() {
  if (own_) hs_close_stream(own_, scratch_, nullptr, nullptr);
  if (block_scratch_) hs_free_scratch(block_scratch_);
}

const hs_database_t* InjectionDetector::block_db(unsigned id) {
  const hs_database_t* db = c_.inj_dbs[id]->get();
  if (db && hs_alloc_scratch(db, &block_scratch_) != HS_SUCCESS) return nullptr;
  return db;
}

bool InjectionDetector::fold(std::string_view in) {
  bool ascii = true;
  const char* p = in.data();
  std::size_t n = in.size(), i = 0;
  for (; i + 8 <= n && ascii; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    ascii = (w & 0x8080808080808080ull) == 0;
  }
  for (; i < n && ascii; ++i) ascii = static_cast<unsigned char>(p[i]) < 0x80;
  if (ascii) return false;
  fold_.clear();
  std::size_t marks = folded_at_.size();
  for (std::size_t k = 0; k < in.size();) {
    unsigned char b = static_cast<unsigned char>(in[k]);
    if (b < 0x80) {
      fold_ += static_cast<char>(b);
      ++k;
      continue;
    }
    std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    if (k + len > in.size()) len = in.size() - k;
    uint32_t cp = len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (std::size_t q = 1; q < len; ++q) cp = (cp << 6) | (static_cast<unsigned char>(in[k + q]) & 0x3Fu);
    int f = fold_cp(cp);
    if (f < 0) fold_.append(in.substr(k, len));
    else {
      folded_at_.push_back(off_ + fold_.size());
      if (f > 0) fold_ += static_cast<char>(f);
    }
    k += len;
  }
  return folded_at_.size() != marks;
}

void InjectionDetector::before_main_scan(std::string_view text, hs_stream_t* main) {
  folded_ = fold(text);
  if (folded_ && !own_) {
    // From here on the folded text differs from what the main stream sees:
    // continue on a copy of its state (which has seen exactly the folded
    // stream so far, as nothing needed folding before).
    if (hs_copy_stream(&own_, main) != HS_SUCCESS) throw std::runtime_error("hyperscan: cannot copy stream");
  }
}

void InjectionDetector::add_main_hit(unsigned id, unsigned long long to) {
  if (!own_) hits_.push_back({id, 0, to});
}

int InjectionDetector::on_own_hit(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  if (id >= kInjBase && id < kKwBase) static_cast<InjectionDetector*>(ctx)->hits_.push_back({id - kInjBase, 0, to});
  return 0;
}

void InjectionDetector::feed(std::string_view in) {
  if (in.empty()) return;
  std::string_view text = folded_ ? std::string_view(fold_) : in;
  if (own_) hs_scan_stream(own_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_, on_own_hit, this);
  folded_ = false;
  // Hits look back at most kTailKeep (plus a match) before themselves, and
  // arrive only for text just scanned: keeping 2 * kTailKeep of text is
  // enough, and without hits only that much of the chunk is copied.
  off_ += text.size();
  if (hits_.empty() && text.size() >= 2 * kTailKeep) {
    tail_.assign(text.substr(text.size() - 2 * kTailKeep));
    tail_base_ = off_ - tail_.size();
  } else {
    tail_.append(text);
    if (!hits_.empty()) process(false);
  }
  trim();
}

void InjectionDetector::trim() {
  if (tail_.size() > 2 * kTailKeep) {
    std::size_t drop = tail_.size() - 2 * kTailKeep;
    tail_.erase(0, drop);
    tail_base_ += drop;
  }
  auto it = std::lower_bound(folded_at_.begin(), folded_at_.end(), tail_base_);
  folded_at_.erase(folded_at_.begin(), it);
}

void InjectionDetector::finish() {
  if (own_) {
    hs_close_stream(own_, scratch_, on_own_hit, this);
    own_ = nullptr;
  }
  process(true);
}

double InjectionDetector::damping(uint64_t from, uint64_t to) const {
  double d = 1.0;
  uint64_t lo = std::max<uint64_t>(tail_base_, from > 200 ? from - 200 : 0);
  uint64_t hi = std::min<uint64_t>(tail_base_ + tail_.size(), to + 120);
  std::string_view win(tail_.data() + (lo - tail_base_), hi - lo);
  for (auto& w : c_.doc_context)
    if (ci_contains(win, w)) {
      d *= 0.25;
      break;
    }
  if (from > tail_base_) {
    char p = tail_[from - tail_base_ - 1];
    if (p == '"' || p == '\'' || p == '`') d *= 0.3;
    else if (from >= tail_base_ + 3 && tail_.compare(from - tail_base_ - 3, 3, "\xE2\x80\x9C") == 0) d *= 0.3;
  }
  return d;
}

void InjectionDetector::add(const InjRule& r, uint64_t from, uint64_t to, double w, bool obf) {
  double& m = cat_max_[r.category];
  m = std::max(m, std::min(1.0, w));
  if (findings_.size() < kMaxFindings) findings_.push_back({r.id, r.category, from, to - from, w, obf});
}

void InjectionDetector::decode_b64(uint64_t from, uint64_t to) {
  std::string_view run(tail_.data() + (from - tail_base_), to - from);
  std::string dec = base64_decode(run);
  if (dec.size() < 8) return;
  std::size_t printable = 0;
  for (unsigned char ch : dec) printable += (ch >= 0x20 && ch < 0x7F) || ch == '\n' || ch == '\t';
  if (printable * 10 < dec.size() * 9) return;
  std::vector<Hit> inner;
  for (unsigned i = 0; i < c_.inj_dbs.size(); ++i)
    if (const hs_database_t* db = block_db(i))
      hs_scan(db, dec.data(), static_cast<unsigned>(dec.size()), 0, block_scratch_, on_hit, &inner);
  std::stable_sort(inner.begin(), inner.end(), [](const Hit& a, const Hit& b) { return a.to != b.to ? a.to < b.to : a.id < b.id; });
  std::set<unsigned> seen;
  for (auto& h : inner)
    if (seen.insert(h.id).second) add(c_.inj[h.id], from, to, std::min(1.0, c_.inj[h.id].weight + 0.15), true);
}

void InjectionDetector::process(bool final) {
  std::vector<Hit> keep;
  uint64_t end = tail_base_ + tail_.size();
  for (Hit h : hits_) {
    if (h.id >= kB64TriggerBase) {
      h.from = h.to - std::min<uint64_t>(h.to, c_.inj_b64_len[h.id - kB64TriggerBase]);
      if (h.to <= b64_done_until_) continue;
      // The whole base64 run around the hit.
      uint64_t s = h.from, e = h.to;
      while (s > tail_base_ && b64_char(tail_[s - 1 - tail_base_]) && h.from - s < kTailKeep) --s;
      while (e < end && b64_char(tail_[e - tail_base_])) ++e;
      if (e == end && !final && e - s < kTailKeep) {
        keep.push_back(h);  // the run may continue in the next chunk
        continue;
      }
      b64_done_until_ = e;
      decode_b64(s, e);
      continue;
    }
    h.from = start_of(h);
    auto lf = last_from_.find(h.id);
    if (lf != last_from_.end() && lf->second == h.from) continue;  // same match, longer end
    last_from_[h.id] = h.from;
    const InjRule& r = c_.inj[h.id];
    bool obf = false;
    auto it = std::lower_bound(folded_at_.begin(), folded_at_.end(), h.from);
    if (it != folded_at_.end() && *it < h.to) obf = true;
    double w = r.weight * (h.from >= tail_base_ ? damping(h.from, h.to) : 1.0);
    if (obf) w = std::min(1.0, w + 0.15);
    add(r, h.from, h.to, w, obf);
  }
  hits_.swap(keep);
}

// The stream scan reports only where a match ends; find its leftmost start
// with a block scan (SOM) over the text before it (rare: hits only).
uint64_t InjectionDetector::start_of(const Hit& h) {
  constexpr uint64_t kWindow = 512;
  uint64_t lo = std::max<uint64_t>(tail_base_, h.to > kWindow ? h.to - kWindow : 0);
  if (h.to <= lo || h.to > tail_base_ + tail_.size()) return lo;
  struct Ctx {
    unsigned id;
    unsigned long long end, from;
  } ctx{h.id, h.to - lo, ~0ull};
  const hs_database_t* db = block_db(h.id);
  if (!db) return lo;
  hs_scan(db, tail_.data() + (lo - tail_base_), static_cast<unsigned>(h.to - lo), 0, block_scratch_,
          [](unsigned id, unsigned long long from, unsigned long long to, unsigned, void* p) -> int {
            auto* x = static_cast<Ctx*>(p);
            if (id == x->id && to == x->end && from < x->from) x->from = from;
            return 0;
          },
          &ctx);
  return ctx.from == ~0ull ? lo : lo + ctx.from;
}

double InjectionDetector::score() const {
  double p = 1.0;
  for (auto& [cat, w] : cat_max_) p *= 1.0 - w;
  return 1.0 - p;
}

}  // namespace cordon::filter_detail
