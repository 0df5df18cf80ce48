// StreamFilter: sanitise -> Hyperscan stream scan (SOM) -> confirm each hit
// on the held-back window -> emit with replacements. See cordon/filter.h.
#include <hs.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "cordon/filter.h"
#include "filter/compiled.h"
#include "filter/exact.h"
#include "filter/fingerprint.h"
#include "filter/injection.h"
#include "filter/sanitizer.h"
#include "filter/validators.h"

namespace cordon {

using namespace filter_detail;

namespace {

constexpr unsigned kExactBase = 1u << 24;
constexpr std::size_t kContextKeep = 256;      // bytes kept before the cursor for keyword context
constexpr std::size_t kCompactAt = 64 * 1024;  // erase the dead prefix once it is this large
constexpr uint64_t kMaxPemBlock = 64 * 1024;   // a BEGIN without END stops redacting after this

bool in_class(Extend e, unsigned char c) {
  bool alnum = std::isalnum(c) != 0;
  switch (e) {
    case Extend::none: return false;
    case Extend::b64: return alnum || c == '+' || c == '/' || c == '=';
    case Extend::b64url: return alnum || c == '-' || c == '_';
    case Extend::b64url_dot: return alnum || c == '-' || c == '_' || c == '.';
    case Extend::alnum: return alnum;
    case Extend::alnum_dash: return alnum || c == '-';
    case Extend::url_path: return alnum || c == '/' || c == '+' || c == '-' || c == '_';
    case Extend::token: return alnum || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
    case Extend::nonspace: return c > 0x20 && c != '"' && c != '\'' && c != '`' && c != 0x7F;
    case Extend::email_local: return alnum || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }
  return false;
}

bool any_keyword(std::string_view win, const std::vector<std::string>& kws) {
  for (const auto& k : kws) {
    if (k.size() > win.size()) continue;
    for (std::size_t i = 0; i + k.size() <= win.size(); ++i) {
      std::size_t j = 0;
      while (j < k.size() && std::tolower(static_cast<unsigned char>(win[i + j])) == k[j]) ++j;
      if (j == k.size()) return true;
    }
  }
  return false;
}

struct Cand {
  unsigned id;
  uint64_t from, to;
  bool som = false;  // `from` is already the leftmost start (exact values, region scans)
};

struct Found {
  uint64_t from, to;
  unsigned id;  // rule index or kExactBase + i
  int priority;
  bool pem = false;
  Extend open_ext = Extend::none;  // still extending at the end of the buffer
  std::string fp;
};

int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  static_cast<std::vector<Cand>*>(ctx)->push_back({id, from, to});
  return 0;
}

int on_exact(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  static_cast<std::vector<Cand>*>(ctx)->push_back({kExactBase + id, from, to, true});
  return 0;
}

// A pending window of the text to block-scan for one region rule.
struct Region {
  uint64_t lo, hi;
};

}  // namespace

struct StreamFilter::Impl {
  std::shared_ptr<const RuleSet> rs;
  const Compiled& c;
  FilterOptions o;
  HsScratch scratch;
  hs_stream_t* sstream = nullptr;  // main_db or secrets_db
  hs_stream_t* pstream = nullptr;  // pii_db
  hs_stream_t* estream = nullptr;  // exact values
  bool use_main = false;
  std::unique_ptr<GateScanner> gscan;
  std::vector<GateFire> fires;
  uint64_t gates_done = 0;  // every prefilter occurrence ending before this was reported
  std::vector<std::vector<Region>> regions;  // per region slot, pending windows in order
  std::vector<bool> slot_on;
  unsigned region_width = 0;  // widest active region rule
  HsDb exact_db;
  struct Exact {
    std::string name, id, value;
  };
  std::vector<Exact> exact;
  std::vector<bool> exact_form_b64;  // per hyperscan id offset
  std::vector<unsigned> exact_form_owner;
  Sanitizer san;
  std::unique_ptr<InjectionDetector> inj;
  std::optional<Fingerprinter> fpr;  // only with o.fingerprint (its key costs a DRBG draw)
  std::string buf;
  uint64_t base = 0, cursor = 0;
  std::vector<Cand> cands;
  std::vector<Found> spans;  // accepted, sorted by from, not yet emitted
  std::vector<std::pair<uint64_t, uint64_t>> pem_ends;
  enum class Block { none, pem, ext } block = Block::none;
  Extend block_ext = Extend::none;
  uint64_t block_start = 0;
  std::size_t holdback;
  bool started = false, finished = false;
  FilterReport rep;

  Impl(std::shared_ptr<const RuleSet> r, FilterOptions opts)
      : rs(std::move(r)), c(rs->compiled()), o(opts), san(opts.controls, opts.keep_cr), holdback(rs->holdback()) {
    if (o.fingerprint) fpr.emplace();
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(c.proto_scratch.get(), &s) != HS_SUCCESS) throw std::runtime_error("hyperscan: clone scratch");
    scratch.reset(s);
  }
  ~Impl() {
    if (sstream) hs_close_stream(sstream, scratch.get(), nullptr, nullptr);
    if (pstream) hs_close_stream(pstream, scratch.get(), nullptr, nullptr);
    if (estream) hs_close_stream(estream, scratch.get(), nullptr, nullptr);
  }

  uint64_t end() const { return base + buf.size(); }
  std::string_view text(uint64_t from, uint64_t to) const { return std::string_view(buf).substr(from - base, to - from); }

  void start() {
    started = true;
    if (!exact.empty()) {
      std::vector<std::string> lits;
      std::vector<unsigned> flags, ids;
      for (unsigned i = 0; i < exact.size(); ++i)
        for (auto& f : exact_forms(exact[i].value)) {
          ids.push_back(static_cast<unsigned>(lits.size()));
          lits.push_back(f.literal);
          flags.push_back(HS_FLAG_SOM_LEFTMOST | (f.caseless ? HS_FLAG_CASELESS : 0u));
          exact_form_b64.push_back(f.base64);
          exact_form_owner.push_back(i);
          holdback = std::max(holdback, f.literal.size() + 1);
        }
      std::vector<const char*> p;
      std::vector<std::size_t> lens;
      for (auto& l : lits) {
        p.push_back(l.data());
        lens.push_back(l.size());
      }
      hs_database_t* db = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile_lit_multi(p.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(p.size()),
                               HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, nullptr, &db, &err) != HS_SUCCESS) {
        std::string m = err ? err->message : "compile failed";
        hs_free_compile_error(err);
        throw std::runtime_error("exact values: " + m);
      }
      exact_db.reset(db);
      hs_scratch_t* s = scratch.release();
      if (hs_alloc_scratch(db, &s) != HS_SUCCESS) throw std::runtime_error("hyperscan: scratch");
      scratch.reset(s);
      hs_open_stream(db, 0, &estream);
    }
    // Region rules: personal-data ones only when PII detection is on.
    bool any_gate = false, any_kw = false;
    slot_on.resize(c.regions.size());
    regions.resize(c.regions.size());
    for (std::size_t i = 0; i < c.regions.size(); ++i) {
      const RegionRule& rr = c.regions[i];
      slot_on[i] = o.detect_pii || c.rules[rr.rule].kind != "pii";
      if (!slot_on[i]) continue;
      (rr.by_keyword ? any_kw : any_gate) = true;
      region_width = std::max(region_width, rr.width + rr.reach);
    }
    if (any_gate) gscan = std::make_unique<GateScanner>(c.gates);
    bool want_inj = o.detect_injection && !c.inj.empty();
    use_main = c.main_db && (want_inj || any_kw);
    const hs_database_t* sdb = use_main ? c.main_db.get() : c.secrets_db.get();
    if (!use_main) {  // not in the shared scratch (loaded on demand)
      hs_scratch_t* s = scratch.release();
      hs_error_t e = hs_alloc_scratch(sdb, &s);
      scratch.reset(s);
      if (e != HS_SUCCESS) throw std::runtime_error("hyperscan: scratch");
    }
    hs_open_stream(sdb, 0, &sstream);
    if (o.detect_pii && c.pii_db) hs_open_stream(c.pii_db.get(), 0, &pstream);
    if (want_inj && use_main) inj = std::make_unique<InjectionDetector>(c, scratch.get());
  }

  // Routes a main-stream match: rule hits, injection hits, keyword anchors.
  static int on_main(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
    auto* m = static_cast<Impl*>(ctx);
    if (id < kInjBase) m->cands.push_back({id, from, to});
    else if (id < kKwBase) {
      if (m->inj) m->inj->add_main_hit(id - kInjBase, to);
    } else {
      unsigned k = id - kKwBase;
      uint64_t ks = to - m->c.keywords[k].size();
      for (unsigned slot : m->c.kw_regions[k])
        if (m->slot_on[slot]) {
          const RegionRule& rr = m->c.regions[slot];
          m->add_window(slot, to, ks + rr.reach);
        }
    }
    return 0;
  }

  // Anchor found: a match of the slot's rule ends at or after `end_min` and
  // starts at or before `start_max`; its window, with one byte of context
  // each side (plus one spare), joins the slot's pending regions.
  void add_window(unsigned slot, uint64_t end_min, uint64_t start_max) {
    uint64_t w = c.regions[slot].width;
    uint64_t lo = end_min > w + 2 ? end_min - w - 2 : 0;
    uint64_t hi = start_max + w + 2;
    auto& v = regions[slot];
    if (!v.empty() && lo <= v.back().hi) {
      v.back().lo = std::min(v.back().lo, lo);
      v.back().hi = std::max(v.back().hi, hi);
    } else {
      v.push_back({lo, hi});
    }
  }

  void ingest(uint64_t from) {
    std::string_view t = std::string_view(buf).substr(from - base);
    if (t.empty()) return;
    if (inj) inj->before_main_scan(t, sstream);
    hs_scan_stream(sstream, t.data(), static_cast<unsigned>(t.size()), 0, scratch.get(), on_main, this);
    if (pstream) hs_scan_stream(pstream, t.data(), static_cast<unsigned>(t.size()), 0, scratch.get(), on_match, &cands);
    if (estream) hs_scan_stream(estream, t.data(), static_cast<unsigned>(t.size()), 0, scratch.get(), on_exact, &cands);
    if (inj) inj->feed(t);
  }

  // Prefilter occurrences in the text so far, then every region that is
  // complete (or all, at the end): block-scan it with its rule alone.
  void run_regions(bool final) {
    if (gscan) {
      fires.clear();
      gates_done = gscan->scan(std::string_view(buf).substr(gscan->next_needed() - base), gscan->next_needed(), final, fires);
      for (const GateFire& f : fires) {
        const Gate& g = c.gates.gates[f.gate];
        for (unsigned slot : g.owners)
          if (slot_on[slot]) add_window(slot, f.end, f.end - std::min<uint64_t>(f.end, g.min_len));
      }
    }
    uint64_t e = end();
    for (std::size_t slot = 0; slot < regions.size(); ++slot) {
      auto& v = regions[slot];
      std::size_t done = 0;
      for (; done < v.size() && (final || v[done].hi <= e); ++done) scan_region(static_cast<unsigned>(slot), v[done], final);
      v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(done));
    }
  }

  void scan_region(unsigned slot, Region r, bool final) {
    uint64_t lo = std::max(r.lo, base), hi = std::min(r.hi, end());
    if (hi <= lo) return;
    struct Ctx {
      Impl* m;
      unsigned rule;
      uint64_t lo, len;
      bool start_real, end_real;  // the window's first/last byte has no text before/after it
    } ctx{this, c.regions[slot].rule, lo, hi - lo, lo == 0, final && hi == end()};
    // A match starting at the window's first byte or ending at its last may
    // only exist because the block scan sees no text beyond the window (\b,
    // ^); an anchored match never touches those bytes, so drop them.
    hs_scan(c.regions[slot].db.get(), buf.data() + (lo - base), static_cast<unsigned>(hi - lo), 0, scratch.get(),
            [](unsigned, unsigned long long from, unsigned long long to, unsigned, void* p) -> int {
              auto* x = static_cast<Ctx*>(p);
              if ((from == 0 && !x->start_real) || (to == x->len && !x->end_real)) return 0;
              x->m->cands.push_back({x->rule, x->lo + from, x->lo + to, true});
              return 0;
            },
            &ctx);
  }

  // No region match can start before this (pending windows, anchors not yet seen).
  uint64_t region_floor() const {
    uint64_t f = ~uint64_t{0};
    for (auto& v : regions)  // a match there may start up to kMaxBack before its window ("back" rules)
      if (!v.empty()) f = std::min(f, v.front().lo > kMaxBack ? v.front().lo - kMaxBack : 0);
    uint64_t reach = region_width + 2 + kMaxBack;
    uint64_t seen = gscan ? std::min(gates_done, end()) : end();
    f = std::min(f, seen > reach ? seen - reach : 0);
    return f;
  }

  bool allowed(const Allowlist& a, std::string_view v) const {
    for (auto& x : a.values)
      if (v == x) return true;
    for (auto& x : a.substrings)
      if (v.find(x) != std::string_view::npos) return true;
    return false;
  }

  bool allowlisted(unsigned idx, const Rule& r, std::string_view v) {
    if (allowed(r.allow, v)) return true;
    if (r.kind == "secret" && (allowed(c.global_allow, v) || has_repeated_run(v, c.repeated_char_run))) return true;
    if (c.allow_db) {
      struct Ctx {
        const Compiled* c;
        unsigned idx;
        bool hit;
      } ctx{&c, idx, false};
      hs_scan(c.allow_db.get(), v.data(), static_cast<unsigned>(v.size()), 0, scratch.get(),
              [](unsigned id, unsigned long long, unsigned long long, unsigned, void* p) -> int {
                auto* x = static_cast<Ctx*>(p);
                unsigned owner = x->c->allow_owner[id];
                if ((owner == kGlobalAllowOwner && x->c->rules[x->idx].kind == "secret") || owner == x->idx) {
                  x->hit = true;
                  return 1;
                }
                return 0;
              },
              &ctx);
      if (ctx.hit) return true;
    }
    return false;
  }

  // Confirms one hit; on success appends to spans.
  void evaluate(unsigned id, uint64_t from, uint64_t to, bool final) {
    if (from < base || from < cursor) return;  // cannot happen with a correct hold-back; be safe
    Found f;
    f.from = from;
    f.to = to;
    f.id = id;
    f.priority = 0;
    if (id >= kExactBase) {
      unsigned form = id - kExactBase;
      f.id = kExactBase + exact_form_owner[form];
      f.priority = 100;
      if (exact_form_b64[form]) {
        uint64_t e = to;
        while (e < end() && (in_class(Extend::b64, static_cast<unsigned char>(buf[e - base])) || buf[e - base] == '-' ||
                             buf[e - base] == '_'))
          ++e;
        f.to = e;
        if (e == end() && !final) f.open_ext = Extend::b64;
      }
      if (o.fingerprint) f.fp = (*fpr)(exact[exact_form_owner[form]].value);
      spans.push_back(std::move(f));
      return;
    }
    const Rule& r = c.rules[id];
    f.priority = r.priority;
    if (r.back != Extend::none) {
      uint64_t floor = std::max({base, cursor, from > kMaxBack ? from - kMaxBack : 0});
      while (from > floor && in_class(r.back, static_cast<unsigned char>(buf[from - 1 - base]))) --from;
      while (from < to && !std::isalnum(static_cast<unsigned char>(buf[from - base]))) ++from;  // local part starts alphanumeric
      f.from = from;
    }
    uint64_t mto = to;
    if (r.extend != Extend::none) {
      while (mto < end() && in_class(r.extend, static_cast<unsigned char>(buf[mto - base]))) ++mto;
      if (mto == end() && !final) f.open_ext = r.extend;
    }
    std::string_view match = text(from, mto);
    std::string_view orig = text(from, to);
    if (!r.keywords.empty()) {
      uint64_t lo = std::max<uint64_t>(base, from > r.context ? from - r.context : 0);
      if (!any_keyword(text(lo, mto), r.keywords)) return;
    }
    // The secret part of the match.
    std::size_t vs = 0, ve = match.size();
    switch (r.span) {
      case Span::match: break;
      case Span::after_assign: {
        std::size_t k = orig.find_first_of(":=");
        if (k == std::string_view::npos) return;
        vs = k;
        while (vs < match.size() && std::strchr(":=> \t\"'", match[vs])) ++vs;
        while (ve > vs && (match[ve - 1] == '"' || match[ve - 1] == '\'')) --ve;
        break;
      }
      case Span::url_password: {
        std::size_t k = orig.find("://");
        std::size_t colon = orig.find(':', k + 3), at = orig.rfind('@');
        if (k == std::string_view::npos || colon == std::string_view::npos || at == std::string_view::npos || at < colon) return;
        vs = colon + 1;
        ve = at;
        break;
      }
      case Span::after_space: {
        std::size_t k = orig.find_last_of(" \t");
        if (k == std::string_view::npos) return;
        vs = k + 1;
        break;
      }
      case Span::after_colon: {
        std::size_t k = orig.rfind(':');
        if (k == std::string_view::npos) return;
        vs = k + 1;
        while (ve > vs && (match[ve - 1] == '"' || match[ve - 1] == '\'')) --ve;
        break;
      }
      case Span::skip_lead:
        if (!std::isalnum(static_cast<unsigned char>(match[0])) && match[0] != '+' && match[0] != '(') vs = 1;
        break;
      case Span::trim_left:
        while (vs < match.size() && std::strchr(" \t\n\"'=:(,", match[vs])) ++vs;
        break;
    }
    if (vs >= ve) return;
    std::string_view value = match.substr(vs, ve - vs);
    if (!r.pem_block && allowlisted(id, r, value)) return;
    Candidate cd;
    cd.match = match;
    cd.value = value;
    uint64_t blo = std::max<uint64_t>(base, from > 64 + r.context ? from - 64 - r.context : 0);
    cd.before = text(blo, from + vs);
    cd.next = from + ve < end() ? buf[from + ve - base] : '\0';
    cd.next2 = from + ve + 1 < end() ? buf[from + ve + 1 - base] : '\0';
    if (!run_validator(r, cd)) return;
    f.from = from + vs;
    f.to = from + ve;
    if (f.to != mto) f.open_ext = Extend::none;
    f.pem = r.pem_block;
    if (o.fingerprint) f.fp = (*fpr)(value);
    spans.push_back(std::move(f));
  }

  unsigned width_of(unsigned id) const { return id == kPemEndId ? c.pem_end_width : c.rules[id].max_width; }

  // The stream scan reports match ends only. For each run of hits of one rule,
  // block-scan (SOM) the window that can hold them and take the leftmost start
  // of every reported end. Rare relative to the text, so cheap.
  void resolve_starts(std::vector<Cand>& v) {
    std::sort(v.begin(), v.end(), [](const Cand& a, const Cand& b) { return a.id != b.id ? a.id < b.id : a.to < b.to; });
    std::vector<Cand> out;
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i + 1;
      uint64_t w = width_of(v[i].id);
      while (j < v.size() && v[j].id == v[i].id && v[j].to - v[j - 1].to <= w) ++j;
      uint64_t lo = std::max<uint64_t>({base, cursor, v[i].to > w + 1 ? v[i].to - w - 1 : 0});
      uint64_t hi = v[j - 1].to;
      struct Ctx {
        unsigned id;
        uint64_t lo;
        const Cand* b;
        const Cand* e;
        std::vector<Cand>* out;
      } ctx{v[i].id, lo, v.data() + i, v.data() + j, &out};
      if (hi > lo)
        hs_scan(c.secrets_block_db.get(), buf.data() + (lo - base), static_cast<unsigned>(hi - lo), 0, scratch.get(),
                [](unsigned id, unsigned long long from, unsigned long long to, unsigned, void* p) -> int {
                  auto* x = static_cast<Ctx*>(p);
                  if (id != x->id) return 0;
                  uint64_t end = x->lo + to;
                  const Cand* it = std::lower_bound(x->b, x->e, end, [](const Cand& a, uint64_t t) { return a.to < t; });
                  if (it != x->e && it->to == end) x->out->push_back({id, x->lo + from, end});
                  return 0;
                },
                &ctx);
      i = j;
    }
    v.swap(out);
  }

  void finalize(uint64_t limit, bool final) {
    if (cands.empty()) return;
    std::vector<Cand> ready, som_ready, keep;
    for (auto& cd : cands) (final || cd.to <= limit ? (cd.som ? som_ready : ready) : keep).push_back(cd);
    cands.swap(keep);
    resolve_starts(ready);
    ready.insert(ready.end(), som_ready.begin(), som_ready.end());
    if (ready.empty()) return;
    std::sort(ready.begin(), ready.end(), [](const Cand& a, const Cand& b) {
      return a.id != b.id ? a.id < b.id : a.from != b.from ? a.from < b.from : a.to > b.to;
    });
    for (std::size_t i = 0; i < ready.size(); ++i) {
      if (i && ready[i].id == ready[i - 1].id && ready[i].from == ready[i - 1].from) continue;  // longest per start
      if (ready[i].id == kPemEndId) pem_ends.emplace_back(ready[i].from, ready[i].to);
      else evaluate(ready[i].id, ready[i].from, ready[i].to, final);
    }
    std::sort(spans.begin(), spans.end(), [](const Found& a, const Found& b) { return a.from < b.from; });
    std::sort(pem_ends.begin(), pem_ends.end());
  }

  std::string tag_of(const Found& f) {
    std::string id = f.id >= kExactBase ? exact[f.id - kExactBase].id : c.rules[f.id].id;
    DataClass cls = f.id >= kExactBase ? DataClass::restricted : c.rules[f.id].data_class;
    rep.counts_by_rule[id]++;
    if (cls > rep.data_class) rep.data_class = cls;
    if (!o.redact) return "";
    return "[REDACTED:" + id + (f.fp.empty() ? "" : ":" + f.fp) + "]";
  }

  void pass(uint64_t from, uint64_t to, std::string& out) const {
    if (to > from) out.append(buf, from - base, to - from);
  }
  void drop(uint64_t from, uint64_t to, std::string& out) const {
    if (!o.redact) pass(from, to, out);
  }

  void emit(uint64_t P, std::string& out, bool final) {
    std::size_t si = 0;
    while (cursor < P) {
      if (block == Block::pem) {
        auto it = std::find_if(pem_ends.begin(), pem_ends.end(), [&](auto& e) { return e.first >= cursor; });
        if (it != pem_ends.end() && it->first < P) {
          drop(cursor, it->second, out);
          cursor = std::max(cursor, it->second);
          pem_ends.erase(pem_ends.begin(), it + 1);
          block = Block::none;
          continue;
        }
        uint64_t stop = std::min(P, block_start + kMaxPemBlock);
        drop(cursor, stop, out);
        cursor = stop;
        if (cursor >= block_start + kMaxPemBlock) block = Block::none;
        continue;
      }
      if (block == Block::ext) {
        uint64_t s = cursor;
        while (cursor < P && in_class(block_ext, static_cast<unsigned char>(buf[cursor - base]))) ++cursor;
        drop(s, cursor, out);
        if (cursor < P) block = Block::none;
        continue;
      }
      while (si < spans.size() && spans[si].to <= cursor) ++si;
      if (si < spans.size() && spans[si].from < P) {
        Found f = spans[si++];
        if (f.from < cursor) {  // overlaps what was already redacted
          drop(cursor, f.to, out);
          cursor = f.to;
        } else {
          pass(cursor, f.from, out);
          // Merge overlapping findings into one tag, named after the highest priority.
          while (si < spans.size() && spans[si].from < f.to) {
            const Found& g = spans[si++];
            bool pem = f.pem || g.pem;
            Extend ext = g.to >= f.to ? g.open_ext : f.open_ext;
            uint64_t from = f.from, to = std::max(f.to, g.to);
            if (g.priority > f.priority) f = g;
            f.from = from;
            f.to = to;
            f.pem = pem;
            f.open_ext = ext;
          }
          std::string tag = tag_of(f);
          if (o.redact) out += tag;
          else pass(f.from, f.to, out);
          cursor = f.to;
        }
        if (f.pem) {
          block = Block::pem;
          block_start = f.from;
        } else if (f.open_ext != Extend::none) {
          block = Block::ext;
          block_ext = f.open_ext;
        }
        continue;
      }
      pass(cursor, P, out);
      cursor = P;
    }
    spans.erase(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(si));
    (void)final;
  }

  // Emits what is safe (everything, if final) by appending it to `out`.
  void settle(bool final, std::string& out) {
    uint64_t e = end();
    // Hits ending at or before `limit` are complete (no longer match from the
    // same start can still arrive). Hits not finalised yet end after `limit`,
    // so start after limit - holdback, minus kMaxBack for "back" rules: emit
    // only up to there.
    uint64_t limit = final ? e : (e > holdback ? e - holdback : 0);
    run_regions(final);
    finalize(limit, final);
    uint64_t lag = holdback + kMaxBack;
    uint64_t P = std::max(final ? limit : (limit > lag ? limit - lag : 0), cursor);
    if (!final && !regions.empty()) P = std::max(std::min(P, region_floor()), cursor);
    for (auto& f : spans)
      if (f.from < P && f.to > P) P = std::max(cursor, f.from);
    while (!final && P > cursor && P < e && (static_cast<unsigned char>(buf[P - base]) & 0xC0) == 0x80) --P;
    std::size_t out_at = out.size();
    out.reserve(out_at + (P > cursor ? P - cursor + 64 : 0));
    emit(P, out, final);
    // Drop text no longer needed (keep some context before the cursor, and
    // whatever the prefilter scan has not reached).
    uint64_t keep_from = cursor > kContextKeep ? cursor - kContextKeep : 0;
    if (gscan) keep_from = std::min(keep_from, gscan->next_needed());
    if (keep_from > base) {
      uint64_t dead = keep_from - base;
      if (final || dead >= kCompactAt || dead > buf.size() / 2) {
        buf.erase(0, dead);
        base += dead;
      }
    }
    rep.bytes_out += out.size() - out_at;
  }
};

StreamFilter::StreamFilter(std::shared_ptr<const RuleSet> rules, FilterOptions opts) {
  if (!rules) throw std::invalid_argument("StreamFilter: null RuleSet");
  impl_ = std::make_unique<Impl>(std::move(rules), opts);
}
StreamFilter::~StreamFilter() = default;

void StreamFilter::add_exact_value(std::string name, std::string value) {
  if (impl_->started) throw std::logic_error("add_exact_value after feed()");
  if (value.size() < 4) throw std::invalid_argument("exact value shorter than 4 bytes");
  std::string id = "exact:" + name;
  impl_->exact.push_back({std::move(name), std::move(id), std::move(value)});
}

std::string StreamFilter::feed(std::string_view chunk) {
  std::string out;
  feed(chunk, out);
  return out;
}

void StreamFilter::feed(std::string_view chunk, std::string& out) {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("feed() after finish()");
  if (!m.started) m.start();
  m.rep.bytes_in += chunk.size();
  uint64_t at = m.end();
  m.san.push(chunk, m.buf);  // sanitised text goes straight into the window
  m.ingest(at);
  m.settle(false, out);
}

std::string StreamFilter::finish() {
  std::string out;
  finish(out);
  return out;
}

void StreamFilter::finish(std::string& out) {
  Impl& m = *impl_;
  if (m.finished) return;
  if (!m.started) m.start();
  uint64_t at = m.end();
  m.san.finish(m.buf);
  m.ingest(at);
  hs_close_stream(m.sstream, m.scratch.get(), Impl::on_main, &m);
  m.sstream = nullptr;
  if (m.pstream) hs_close_stream(m.pstream, m.scratch.get(), on_match, &m.cands);
  m.pstream = nullptr;
  if (m.estream) {
    hs_close_stream(m.estream, m.scratch.get(), on_exact, &m.cands);
    m.estream = nullptr;
  }
  if (m.inj) m.inj->finish();
  m.finished = true;
  m.settle(true, out);
  std::string().swap(m.buf);
  m.base = m.cursor;
}

FilterReport StreamFilter::report() const {
  FilterReport r = impl_->rep;
  r.controls_removed = impl_->san.controls_removed;
  r.invalid_utf8 = impl_->san.invalid_utf8;
  if (impl_->inj) {
    r.injection = impl_->inj->findings();
    r.injection_score = impl_->inj->score();
    r.injection_suspected = r.injection_score >= impl_->o.injection_threshold;
  }
  return r;
}

std::size_t StreamFilter::buffered_bytes() const {
  const Impl& m = *impl_;
  std::size_t regions = 0;
  for (auto& v : m.regions) regions += v.capacity() * sizeof(Region);
  return m.buf.capacity() + m.cands.capacity() * sizeof(Cand) + m.spans.capacity() * sizeof(Found) +
         m.fires.capacity() * sizeof(GateFire) + regions + (m.inj ? m.inj->buffered_bytes() : 0);
}

std::string filter_all(std::shared_ptr<const RuleSet> rules, std::string_view text, FilterOptions opts, FilterReport* report) {
  StreamFilter f(std::move(rules), opts);
  std::string out = f.feed(text);
  out += f.finish();
  if (report) *report = f.report();
  return out;
}

}  // namespace cordon
