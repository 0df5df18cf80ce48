// Internal representation of a loaded RuleSet (shared by the filter parts).
#pragma once

#include <hs.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/filter.h"
#include "filter/prefilter.h"

namespace cordon::filter_detail {

struct HsDbDeleter {
  bool owned = true;  // false: the database lives in memory owned elsewhere (a cache arena)
  void operator()(hs_database_t* d) const {
    if (owned) hs_free_database(d);
  }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
struct HsStreamDeleter {
  void operator()(hs_stream_t* s) const { hs_close_stream(s, nullptr, nullptr, nullptr); }
};
using HsDb = std::unique_ptr<hs_database_t, HsDbDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

// A database only some filters need, or only on rare hits: when the rules
// come from a cache file it stays serialised (in the mapped file) until
// first used, so loading touches less memory. Thread-safe. Not in
// Compiled::proto_scratch: users size their scratch for it.
class LazyDb {
 public:
  LazyDb() = default;
  LazyDb(const LazyDb&) = delete;
  LazyDb& operator=(const LazyDb&) = delete;
  // Loaded (compiled) now.
  void set(HsDb db) {
    db_ = std::move(db);
    present_ = static_cast<bool>(db_);
  }
  // Deserialise `bytes` (kept alive by `keep`) on first use; if Hyperscan
  // rejects them, `fallback` compiles the database instead.
  void defer(std::string_view bytes, std::shared_ptr<const void> keep, std::function<HsDb()> fallback) {
    bytes_ = bytes;
    keep_ = std::move(keep);
    fallback_ = std::move(fallback);
    present_ = true;
  }
  bool present() const { return present_; }
  // The database (null if absent, or if it could not be loaded or compiled).
  const hs_database_t* get() const {
    if (!bytes_.empty())
      std::call_once(once_, [this] {
        hs_database_t* db = nullptr;
        if (hs_deserialize_database(bytes_.data(), bytes_.size(), &db) == HS_SUCCESS) db_.reset(db);
        else if (fallback_) db_ = fallback_();
      });
    return db_.get();
  }

 private:
  mutable std::once_flag once_;
  mutable HsDb db_;
  std::string_view bytes_;
  std::shared_ptr<const void> keep_;
  std::function<HsDb()> fallback_;
  bool present_ = false;
};

// Which part of a match is the secret (the rest stays readable).
enum class Span { match, after_assign, url_password, after_space, after_colon, trim_left, skip_lead };
// Character class a match may extend over after its fixed-width part.
enum class Extend { none, b64, b64url, b64url_dot, alnum, alnum_dash, url_path, token, nonspace, email_local };

enum class Validator {
  none, entropy, luhn, iban_mod97, us_ssn, jwt, password, basic_auth, email, phone,
  uk_nino, de_taxid, de_idcard, ipv4, ipv6, mac
};

struct Allowlist {
  std::vector<std::string> values;
  std::vector<std::string> substrings;
  std::vector<unsigned> pattern_ids;  // ids in Compiled::allow_db
};

struct Rule {
  std::string id;
  std::string kind;
  DataClass data_class = DataClass::restricted;
  int priority = 50;
  Validator validator = Validator::none;
  double entropy_min = 0;
  std::vector<std::string> keywords;  // lowercase
  unsigned context = 0;               // bytes before the match searched for keywords (0: match only)
  Span span = Span::match;
  Extend extend = Extend::none;
  Extend back = Extend::none;  // start may move back over this class (at most kMaxBack bytes)
  bool pem_block = false;
  Allowlist allow;
  unsigned max_width = 0;
  unsigned min_width = 0;
  std::vector<unsigned> gates;  // prefilters (indices into Compiled::gates.gates), see prefilter.h
  int region = -1;              // index into Compiled::regions, or -1: in the stream databases
};

// A rule matched only in windows around its anchors (prefilter occurrences
// or, for personal-data rules with keywords, keyword occurrences): the
// stream scan never sees its pattern, a block scan of the window does.
struct RegionRule {
  unsigned rule = 0;
  HsDb db;                 // block mode, SOM leftmost: this rule's pattern alone
  bool by_keyword = false;  // anchored on keywords, not on prefilters
  unsigned width = 0;       // the rule's max width
  unsigned reach = 0;       // keyword anchors: how far after the keyword's start a match may start
};

struct InjRule {
  std::string id;
  std::string category;
  double weight = 0;
};

// Hyperscan ids in the secrets database: rule index, or this for the end of
// a PEM block.
constexpr unsigned kPemEndId = 1u << 20;
// Ids in the injection database at or above this are base64 trigger literals.
constexpr unsigned kB64TriggerBase = 1u << 20;
// Ids in the main stream database: injection patterns from kInjBase (base64
// triggers from kInjBase + kB64TriggerBase), keyword literals from kKwBase.
constexpr unsigned kInjBase = 1u << 22;
constexpr unsigned kKwBase = 1u << 23;
constexpr unsigned kGlobalAllowOwner = ~0u;
constexpr unsigned kMaxBack = 64;

struct Compiled {
  std::shared_ptr<void> db_arena;  // memory of databases loaded from a cache (declared first: freed last)
  std::string version;
  std::vector<Rule> rules;
  std::vector<RuleInfo> infos;
  Allowlist global_allow;
  unsigned repeated_char_run = 6;
  LazyDb secrets_db;      // streaming, no SOM: finds where matches end (fast); for filters without main_db
  HsDb main_db;           // streaming, no SOM: secrets_db's patterns + injection patterns + keyword literals
  HsDb pii_db;            // streaming, no SOM: personal-data rules without anchors (may be null)
  HsDb secrets_block_db;  // block, SOM leftmost: finds where a reported match starts, on a window
  HsDb allow_db;        // block; may be null
  std::vector<unsigned> allow_owner;  // allow pattern id -> rule index or kGlobalAllowOwner
  std::vector<InjRule> inj;
  std::vector<std::string> doc_context;  // lowercase
  double inj_threshold = 0.5;
  std::vector<unsigned> inj_b64_len;  // length of each base64 trigger literal
  std::vector<std::string> inj_b64_lits;  // hyperscan-escaped base64 trigger literals
  // Per injection pattern, block, SOM: starts of hits, and decoded base64
  // (one database each: together they would be three times larger).
  std::vector<std::unique_ptr<LazyDb>> inj_dbs;
  std::vector<std::string> inj_patterns_;   // parallel to inj
  std::vector<RegionRule> regions;
  GateProgram gates;                           // every prefilter of the region rules
  std::vector<std::string> keywords;           // keyword literals in main_db (lowercase)
  std::vector<std::vector<unsigned>> kw_regions;  // keyword index -> region slots
  HsScratch proto_scratch;  // allocated for every database above; cloned per filter
  std::size_t holdback = 0;
  unsigned pem_end_width = 60;
  std::string cache_key;  // hex SHA-256 naming the rules content, Hyperscan version and platform
  RuleLoadInfo load_info;
};

}  // namespace cordon::filter_detail
