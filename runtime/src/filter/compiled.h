// Internal representation of a loaded RuleSet (shared by the filter parts).
#pragma once

#include <hs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/filter.h"

namespace cordon::filter_detail {

struct HsDbDeleter {
  void operator()(hs_database_t* d) const { hs_free_database(d); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
struct HsStreamDeleter {
  void operator()(hs_stream_t* s) const { hs_close_stream(s, nullptr, nullptr, nullptr); }
};
using HsDb = std::unique_ptr<hs_database_t, HsDbDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

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
constexpr unsigned kGlobalAllowOwner = ~0u;
constexpr unsigned kMaxBack = 64;

struct Compiled {
  std::string version;
  std::vector<Rule> rules;
  std::vector<RuleInfo> infos;
  Allowlist global_allow;
  unsigned repeated_char_run = 6;
  HsDb secrets_db;        // streaming, no SOM: finds where matches end (fast)
  HsDb pii_db;            // streaming, no SOM: the personal-data rules (optional per filter)
  HsDb secrets_block_db;  // block, SOM leftmost: finds where a reported match starts, on a window
  HsDb allow_db;        // block; may be null
  std::vector<unsigned> allow_owner;  // allow pattern id -> rule index or kGlobalAllowOwner
  std::vector<InjRule> inj;
  std::vector<std::string> doc_context;  // lowercase
  double inj_threshold = 0.5;
  HsDb inj_stream_db;   // streaming, no SOM, caseless (+ base64 trigger literals)
  std::vector<unsigned> inj_b64_len;  // length of each base64 trigger literal
  HsDb inj_block_db;    // block, for decoded base64
  std::vector<std::string> inj_patterns_;   // parallel to inj
  std::vector<std::string> inj_b64_words_;
  HsScratch proto_scratch;  // allocated for every database above; cloned per filter
  std::size_t holdback = 0;
  unsigned pem_end_width = 60;
};

}  // namespace cordon::filter_detail
