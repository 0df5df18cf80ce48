// Loading rules files and compiling them into Hyperscan databases.
#include <hs.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>

#include <cstdlib>

#include "filter/compiled.h"
#include "filter/injection.h"

#ifndef CORDON_RULES_DIR
#define CORDON_RULES_DIR "runtime/rules"
#endif
#ifndef CORDON_RULES_INSTALL_DIR
#define CORDON_RULES_INSTALL_DIR "/usr/local/share/cordon/rules"
#endif

namespace cordon {

using json = nlohmann::json;
using namespace filter_detail;

namespace {

constexpr unsigned kMaxWidth = 4096;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Loader {
  std::vector<std::string> problems;
  std::string version;
  std::vector<std::pair<json, std::string>> rules;  // (rule, origin), later ids replace earlier
  json global_allow = json::object();
  json injection;
  std::string inj_origin;

  void err(const std::string& origin, const std::string& id, const std::string& why) {
    problems.push_back(origin + ": rule '" + id + "': " + why);
  }

  void add(const json& doc, const std::string& origin) {
    if (!doc.is_object()) {
      problems.push_back(origin + ": top level must be an object");
      return;
    }
    if (doc.value("format", 0) != 1) problems.push_back(origin + ": \"format\" must be 1");
    if (doc.contains("version") && doc["version"].is_string()) version = doc["version"];
    if (doc.contains("global_allowlist")) global_allow = doc["global_allowlist"];
    if (doc.contains("injection")) {
      injection = doc["injection"];
      inj_origin = origin;
    }
    if (!doc.contains("rules")) return;
    if (!doc["rules"].is_array()) {
      problems.push_back(origin + ": \"rules\" must be an array");
      return;
    }
    for (const auto& r : doc["rules"]) {
      std::string id = r.is_object() && r.contains("id") && r["id"].is_string() ? r["id"].get<std::string>() : "?";
      auto it = std::find_if(rules.begin(), rules.end(), [&](auto& p) { return p.first.value("id", "") == id; });
      if (it != rules.end() && id != "?") {
        if (r.value("disabled", false)) rules.erase(it);
        else *it = {r, origin};
      } else if (!r.is_object() || !r.value("disabled", false)) {
        rules.emplace_back(r, origin);
      }
    }
  }
};

bool parse_validator(const std::string& s, Rule& r) {
  static const std::map<std::string, Validator> kNames = {
      {"luhn", Validator::luhn}, {"iban_mod97", Validator::iban_mod97}, {"us_ssn", Validator::us_ssn},
      {"jwt", Validator::jwt}, {"password", Validator::password}, {"basic_auth", Validator::basic_auth},
      {"email", Validator::email}, {"phone", Validator::phone}, {"uk_nino", Validator::uk_nino},
      {"de_taxid", Validator::de_taxid}, {"de_idcard", Validator::de_idcard}, {"ipv4", Validator::ipv4},
      {"ipv6", Validator::ipv6}, {"mac", Validator::mac}};
  if (s.rfind("entropy>=", 0) == 0) {
    try {
      std::size_t used = 0;
      r.entropy_min = std::stod(s.substr(9), &used);
      if (used != s.size() - 9 || r.entropy_min < 0 || r.entropy_min > 8) return false;
    } catch (...) {
      return false;
    }
    r.validator = Validator::entropy;
    return true;
  }
  auto it = kNames.find(s);
  if (it == kNames.end()) return false;
  r.validator = it->second;
  return true;
}

template <typename E>
bool parse_enum(const std::string& s, const std::map<std::string, E>& names, E& out) {
  auto it = names.find(s);
  if (it == names.end()) return false;
  out = it->second;
  return true;
}

std::vector<std::string> string_list(const json& j, const char* key, bool& ok) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) {
    ok = false;
    return out;
  }
  for (const auto& v : j[key]) {
    if (!v.is_string()) {
      ok = false;
      continue;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Validates one expression with Hyperscan; returns "" or the error.
std::string check_expr(const std::string& pat, unsigned flags, unsigned* max_width, unsigned* min_width = nullptr) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* cerr = nullptr;
  if (hs_expression_info(pat.c_str(), flags, &info, &cerr) != HS_SUCCESS) {
    std::string m = cerr ? cerr->message : "invalid pattern";
    hs_free_compile_error(cerr);
    return m;
  }
  if (max_width) *max_width = info->max_width;
  if (min_width) *min_width = info->min_width;
  bool empty = info->min_width == 0;
  std::free(info);
  if (empty) return "pattern can match the empty string";
  return "";
}

HsDb compile(const std::vector<std::string>& pats, const std::vector<unsigned>& flags, const std::vector<unsigned>& ids,
             unsigned mode, std::vector<std::string>& problems, const std::string& what) {
  if (pats.empty()) return nullptr;
  std::vector<const char*> cp;
  for (auto& p : pats) cp.push_back(p.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* cerr = nullptr;
  if (hs_compile_multi(cp.data(), flags.data(), ids.data(), static_cast<unsigned>(pats.size()), mode, nullptr, &db, &cerr) !=
      HS_SUCCESS) {
    std::string m = cerr ? cerr->message : "compile failed";
    hs_free_compile_error(cerr);
    // Name every expression that fails on its own (e.g. "Pattern is too large").
    bool named = false;
    for (std::size_t i = 0; i < pats.size(); ++i) {
      hs_database_t* one = nullptr;
      hs_compile_error_t* e1 = nullptr;
      if (hs_compile(pats[i].c_str(), flags[i], mode, nullptr, &one, &e1) != HS_SUCCESS) {
        problems.push_back(what + ": expression id " + std::to_string(ids[i]) + " '" + pats[i] + "': " + (e1 ? e1->message : "failed"));
        named = true;
      }
      hs_free_compile_error(e1);
      hs_free_database(one);
    }
    if (!named) problems.push_back(what + ": " + m);
    return nullptr;
  }
  return HsDb(db);
}

void parse_allow(const json& j, Allowlist& a, unsigned owner, std::vector<std::string>& allow_pats,
                 std::vector<unsigned>& allow_owner, const std::function<void(const std::string&)>& bad) {
  if (j.is_null()) return;
  if (!j.is_object()) {
    bad("allowlist must be an object");
    return;
  }
  bool ok = true;
  a.values = string_list(j, "values", ok);
  a.substrings = string_list(j, "substrings", ok);
  for (auto& p : string_list(j, "patterns", ok)) {
    std::string e = check_expr(p, HS_FLAG_SINGLEMATCH, nullptr);
    if (!e.empty()) {
      bad("allowlist pattern '" + p + "': " + e);
      continue;
    }
    a.pattern_ids.push_back(static_cast<unsigned>(allow_pats.size()));
    allow_pats.push_back(p);
    allow_owner.push_back(owner);
  }
  if (!ok) bad("allowlist values/substrings/patterns must be arrays of strings");
}

std::shared_ptr<const RuleSet> build(Loader& L) {
  auto c = std::make_unique<Compiled>();
  c->version = L.version.empty() ? "unversioned" : L.version;
  std::vector<std::string> allow_pats;
  std::vector<unsigned> allow_owner;
  std::vector<std::string> sp;
  std::vector<unsigned> sf, sid;
  std::map<std::string, int> seen;

  for (auto& [r, origin] : L.rules) {
    std::string id = r.is_object() && r.contains("id") && r["id"].is_string() ? r["id"].get<std::string>() : "";
    auto bad = [&, o = origin](const std::string& why) { L.err(o, id.empty() ? "?" : id, why); };
    if (!r.is_object()) {
      bad("rule must be an object");
      continue;
    }
    std::size_t before = L.problems.size();
    Rule rule;
    rule.id = id;
    if (id.empty() || id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos)
      bad("\"id\" must be a non-empty string of [a-z0-9-_.]");
    if (seen[id]++) bad("duplicate id");
    rule.kind = r.value("kind", "");
    if (rule.kind != "secret" && rule.kind != "pii") bad("\"kind\" must be \"secret\" or \"pii\"");
    std::string cls = r.value("data_class", rule.kind == "pii" ? "confidential" : "restricted");
    if (!parse_data_class(cls, rule.data_class)) bad("unknown data_class '" + cls + "'");
    rule.priority = r.value("priority", 50);
    std::string pat = r.contains("pattern") && r["pattern"].is_string() ? r["pattern"].get<std::string>() : "";
    if (pat.empty()) bad("missing \"pattern\"");
    if (r.contains("validator")) {
      std::string v = r["validator"].is_string() ? r["validator"].get<std::string>() : "";
      if (!parse_validator(v, rule)) bad("unknown validator '" + v + "'");
    }
    if (r.contains("entropy_min")) {
      rule.entropy_min = r["entropy_min"].is_number() ? r["entropy_min"].get<double>() : -1;
      if (rule.entropy_min < 0 || rule.entropy_min > 8) bad("\"entropy_min\" must be a number in 0..8");
    }
    bool ok = true;
    for (auto& k : string_list(r, "keywords", ok)) rule.keywords.push_back(lower(k));
    if (!ok) bad("\"keywords\" must be an array of strings");
    int ctx = r.value("context", 0);
    if (ctx < 0 || ctx > 256) bad("\"context\" must be 0..256");
    rule.context = static_cast<unsigned>(std::clamp(ctx, 0, 256));
    static const std::map<std::string, Span> kSpan = {{"match", Span::match}, {"after_assign", Span::after_assign},
                                                      {"url_password", Span::url_password}, {"after_space", Span::after_space},
                                                      {"after_colon", Span::after_colon}, {"trim_left", Span::trim_left},
                                                      {"skip_lead", Span::skip_lead}};
    static const std::map<std::string, Extend> kExt = {{"b64", Extend::b64}, {"b64url", Extend::b64url},
                                                       {"b64url_dot", Extend::b64url_dot}, {"alnum", Extend::alnum},
                                                       {"alnum_dash", Extend::alnum_dash}, {"url_path", Extend::url_path},
                                                       {"token", Extend::token}, {"nonspace", Extend::nonspace}};
    if (r.contains("span") && !parse_enum(r.value("span", ""), kSpan, rule.span)) bad("unknown span '" + r.value("span", "") + "'");
    if (r.contains("extend") && !parse_enum(r.value("extend", ""), kExt, rule.extend))
      bad("unknown extend '" + r.value("extend", "") + "'");
    if (r.contains("back")) {
      if (r.value("back", "") != "email_local") bad("\"back\" must be \"email_local\"");
      rule.back = Extend::email_local;
    }
    if (r.contains("block")) {
      if (r.value("block", "") != "pem") bad("\"block\" must be \"pem\"");
      rule.pem_block = true;
    }
    unsigned idx = static_cast<unsigned>(c->rules.size());
    parse_allow(r.contains("allowlist") ? r["allowlist"] : json(), rule.allow, idx, allow_pats, allow_owner, bad);
    if (!pat.empty()) {
      std::string e = check_expr(pat, HS_FLAG_SOM_LEFTMOST, &rule.max_width, &rule.min_width);
      if (!e.empty()) bad("pattern: " + e);
      else if (rule.max_width > kMaxWidth)
        bad("pattern may match more than " + std::to_string(kMaxWidth) + " bytes (use bounded repeats and \"extend\")");
    }
    if (L.problems.size() != before) continue;
    sp.push_back(pat);
    sf.push_back(HS_FLAG_SOM_LEFTMOST);
    sid.push_back(idx);
    c->holdback = std::max<std::size_t>(c->holdback, rule.max_width + (rule.back != Extend::none ? kMaxBack : 0));
    c->infos.push_back({rule.id, rule.kind, rule.data_class});
    c->rules.push_back(std::move(rule));
  }
  // End of a PEM block (any kind).
  sp.push_back("-----END[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----");
  c->pem_end_width = 60;
  sf.push_back(HS_FLAG_SOM_LEFTMOST);
  sid.push_back(kPemEndId);

  {
    auto bad = [&](const std::string& why) { L.problems.push_back("global_allowlist: " + why); };
    parse_allow(L.global_allow, c->global_allow, kGlobalAllowOwner, allow_pats, allow_owner, bad);
    if (L.global_allow.is_object()) c->repeated_char_run = L.global_allow.value("repeated_char_run", 6u);
  }
  std::string inj_err = parse_injection(L.injection, *c);
  if (!inj_err.empty()) L.problems.push_back((L.inj_origin.empty() ? "rules" : L.inj_origin) + ": injection: " + inj_err);

  if (!L.problems.empty()) throw RuleError(L.problems);

  // Two stages: a streaming scan without start-of-match tracking finds match
  // ends at full speed; the start of each hit is then found by a block scan
  // with SOM over a window of at most the rule's max width.
  // Secret and personal-data rules stream separately: the PII patterns have no
  // literal anchor and dominate scan time, and a profile may switch them off.
  std::vector<std::string> s_p, p_p;
  std::vector<unsigned> s_id, p_id;
  for (std::size_t i = 0; i < sp.size(); ++i) {
    bool pii = sid[i] != kPemEndId && c->rules[sid[i]].kind == "pii";
    (pii ? p_p : s_p).push_back(sp[i]);
    (pii ? p_id : s_id).push_back(sid[i]);
  }
  c->secrets_db = compile(s_p, std::vector<unsigned>(s_p.size(), 0), s_id, HS_MODE_STREAM, L.problems, "secret rules");
  c->pii_db = compile(p_p, std::vector<unsigned>(p_p.size(), 0), p_id, HS_MODE_STREAM, L.problems, "pii rules");
  c->secrets_block_db = compile(sp, sf, sid, HS_MODE_BLOCK, L.problems, "secret rules (block)");
  if (!allow_pats.empty()) {
    std::vector<unsigned> af(allow_pats.size(), HS_FLAG_SINGLEMATCH), aid;
    for (unsigned i = 0; i < allow_pats.size(); ++i) aid.push_back(i);
    c->allow_db = compile(allow_pats, af, aid, HS_MODE_BLOCK, L.problems, "allowlist patterns");
    c->allow_owner = allow_owner;
  }
  compile_injection(*c, L.problems);
  if (!L.problems.empty()) throw RuleError(L.problems);

  hs_scratch_t* s = nullptr;
  for (hs_database_t* db : {c->secrets_db.get(), c->pii_db.get(), c->secrets_block_db.get(), c->allow_db.get(), c->inj_stream_db.get(), c->inj_block_db.get()})
    if (db && hs_alloc_scratch(db, &s) != HS_SUCCESS) throw RuleError({"hyperscan: cannot allocate scratch"});
  c->proto_scratch.reset(s);
  c->holdback += 1;
  return std::make_shared<const RuleSet>(std::move(c));
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

RuleError::RuleError(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string m = "invalid rules:";
        for (auto& p : problems) m += "\n  " + p;
        return m;
      }()),
      problems_(std::move(problems)) {}

std::string_view data_class_name(DataClass c) {
  switch (c) {
    case DataClass::public_: return "public";
    case DataClass::internal: return "internal";
    case DataClass::confidential: return "confidential";
    case DataClass::restricted: return "restricted";
  }
  return "restricted";
}

bool parse_data_class(std::string_view s, DataClass& out) {
  for (DataClass c : {DataClass::public_, DataClass::internal, DataClass::confidential, DataClass::restricted})
    if (data_class_name(c) == s) {
      out = c;
      return true;
    }
  return false;
}

RuleSet::RuleSet(std::unique_ptr<Compiled> c) : c_(std::move(c)) {}
RuleSet::~RuleSet() = default;
std::string RuleSet::version() const { return c_->version; }
const std::vector<RuleInfo>& RuleSet::rules() const { return c_->infos; }
std::size_t RuleSet::holdback() const { return c_->holdback; }
std::size_t RuleSet::count_kind(std::string_view kind) const {
  return static_cast<std::size_t>(std::count_if(c_->infos.begin(), c_->infos.end(), [&](auto& r) { return r.kind == kind; }));
}

std::shared_ptr<const RuleSet> RuleSet::load_json(std::string_view text, std::string origin) {
  Loader L;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw RuleError({origin + ": not valid JSON"});
  L.add(doc, origin);
  if (!L.problems.empty()) throw RuleError(L.problems);
  return build(L);
}

std::shared_ptr<const RuleSet> RuleSet::load_files(const std::vector<std::string>& paths) {
  Loader L;
  for (const auto& p : paths) {
    std::string text;
    if (!read_file(p, text)) {
      L.problems.push_back(p + ": cannot read file");
      continue;
    }
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      L.problems.push_back(p + ": not valid JSON");
      continue;
    }
    L.add(doc, p);
  }
  if (!L.problems.empty()) throw RuleError(L.problems);
  return build(L);
}

std::string RuleSet::default_rules_path() {
  struct stat st{};
  // An explicit file (a relocated install, or tests run from a copy).
  if (const char* f = std::getenv("CORDON_RULES_FILE"); f && *f) return f;
  for (std::string dir : {std::string(CORDON_RULES_INSTALL_DIR), std::string(CORDON_RULES_DIR)}) {
    std::string p = dir + "/rules.json";
    if (::stat(p.c_str(), &st) == 0) return p;
  }
  return std::string(CORDON_RULES_DIR) + "/rules.json";
}

std::shared_ptr<const RuleSet> RuleSet::load_default() { return load_files({default_rules_path()}); }

}  // namespace cordon
