// Loading rules files: parsing and checking them, then the compiled
// databases from a cache or from Hyperscan (see rules_databases.h).
#include <hs.h>

#include <sys/stat.h>

#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "filter/compiled.h"
#include "filter/injection.h"
#include "filter/rules_cache.h"
#include "filter/rules_databases.h"

#ifndef CORDON_RULES_DIR
#define CORDON_RULES_DIR "runtime/rules"
#endif
#ifndef CORDON_RULES_INSTALL_DIR
#define CORDON_RULES_INSTALL_DIR "/usr/local/share/cordon/rules"
#endif

namespace cordon {

using json = nlohmann::json;
using namespace filter_detail;
using Clock = std::chrono::steady_clock;

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
  std::vector<std::string> contents;  // every input's exact text, in order (part of the cache key)

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

// Queues each allowlist pattern for checking and compiling.
void parse_allow(const json& j, Allowlist& a, unsigned owner, std::vector<std::string>& allow_pats,
                 std::vector<unsigned>& allow_owner, std::vector<std::pair<std::string, std::string>>& allow_check,
                 const std::string& prefix, const std::function<void(const std::string&)>& bad) {
  if (j.is_null()) return;
  if (!j.is_object()) {
    bad("allowlist must be an object");
    return;
  }
  bool ok = true;
  a.values = string_list(j, "values", ok);
  a.substrings = string_list(j, "substrings", ok);
  for (auto& p : string_list(j, "patterns", ok)) {
    a.pattern_ids.push_back(static_cast<unsigned>(allow_pats.size()));
    allow_pats.push_back(p);
    allow_owner.push_back(owner);
    allow_check.emplace_back(p, prefix);
  }
  if (!ok) bad("allowlist values/substrings/patterns must be arrays of strings");
}

std::vector<std::string> sidecars() {
  std::vector<std::string> v{RuleSet::default_rules_path() + ".hsdb"};
#ifdef CORDON_RULES_BUILD_CACHE
  if (v[0] != CORDON_RULES_BUILD_CACHE) v.push_back(CORDON_RULES_BUILD_CACHE);
#endif
  return v;
}

std::shared_ptr<const RuleSet> build(Loader& L, const RuleLoadOptions& opts, Clock::time_point t0) {
  auto c = std::make_unique<Compiled>();
  c->version = L.version.empty() ? "unversioned" : L.version;
  std::vector<std::string> allow_pats;
  std::vector<unsigned> allow_owner;
  std::vector<std::pair<std::string, std::string>> allow_check;  // (pattern, message prefix)
  std::vector<std::string> rule_pats;
  struct ExprCheck {
    std::string pattern, prefix;
    int rule;  // index into c->rules, or -1 for a rule dropped for other problems
  };
  std::vector<ExprCheck> expr_check;
  std::map<std::string, int> seen;

  for (auto& [r, origin] : L.rules) {
    std::string id = r.is_object() && r.contains("id") && r["id"].is_string() ? r["id"].get<std::string>() : "";
    std::string prefix = origin + ": rule '" + (id.empty() ? "?" : id) + "': ";
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
    if (r.contains("prefilter")) {
      bool pok = true;
      auto pf = string_list(r, "prefilter", pok);
      if (!pok || pf.empty()) bad("\"prefilter\" must be a non-empty array of strings");
      for (auto& p : pf) {
        std::string e;
        int g = c->gates.add(p, e);
        if (g < 0) bad("prefilter '" + p + "': " + e);
        else rule.gates.push_back(static_cast<unsigned>(g));
      }
    }
    unsigned idx = static_cast<unsigned>(c->rules.size());
    parse_allow(r.contains("allowlist") ? r["allowlist"] : json(), rule.allow, idx, allow_pats, allow_owner, allow_check,
                prefix, bad);
    bool keep = L.problems.size() == before;
    if (!pat.empty()) expr_check.push_back({pat, prefix, keep ? static_cast<int>(idx) : -1});
    if (!keep) continue;
    rule_pats.push_back(pat);
    c->infos.push_back({rule.id, rule.kind, rule.data_class});
    c->rules.push_back(std::move(rule));
  }
  {
    auto bad = [&](const std::string& why) { L.problems.push_back("global_allowlist: " + why); };
    parse_allow(L.global_allow, c->global_allow, kGlobalAllowOwner, allow_pats, allow_owner, allow_check, "global_allowlist: ",
                bad);
    if (L.global_allow.is_object()) c->repeated_char_run = L.global_allow.value("repeated_char_run", 6u);
  }
  std::string inj_origin = (L.inj_origin.empty() ? "rules" : L.inj_origin) + ": injection: ";
  std::string inj_err = parse_injection(L.injection, *c);
  if (!inj_err.empty()) L.problems.push_back(inj_origin + inj_err);
  // Hyperscan's checks of every expression (and the rules' widths). Skipped
  // when the databases come from a cache made from this very content.
  auto check_expressions = [&] {
    for (auto& x : expr_check) {
      unsigned mx = 0, mn = 0;
      std::string e = check_expr(x.pattern, HS_FLAG_SOM_LEFTMOST, &mx, &mn);
      if (!e.empty()) L.problems.push_back(x.prefix + "pattern: " + e);
      else if (mx > kMaxWidth)
        L.problems.push_back(x.prefix + "pattern may match more than " + std::to_string(kMaxWidth) +
                             " bytes (use bounded repeats and \"extend\")");
      if (x.rule >= 0) {
        c->rules[static_cast<std::size_t>(x.rule)].max_width = mx;
        c->rules[static_cast<std::size_t>(x.rule)].min_width = mn;
      }
    }
    for (auto& [p, prefix] : allow_check) {
      std::string e = check_expr(p, HS_FLAG_SINGLEMATCH, nullptr);
      if (!e.empty()) L.problems.push_back(prefix + "allowlist pattern '" + p + "': " + e);
    }
    std::string ie = check_injection(*c);
    if (!ie.empty()) L.problems.push_back(inj_origin + ie);
  };
  if (!L.problems.empty()) {
    check_expressions();
    throw RuleError(L.problems);
  }
  c->allow_owner = allow_owner;

  // Rules matched in windows around anchors instead of in the stream: those
  // with prefilters, and personal-data rules whose keywords must occur in or
  // just before every match (the keywords then anchor them).
  for (unsigned i = 0; i < c->rules.size(); ++i) {
    Rule& r = c->rules[i];
    bool by_kw = r.kind == "pii" && r.gates.empty() && !r.keywords.empty() && r.extend == Extend::none &&
                 std::none_of(r.keywords.begin(), r.keywords.end(), [](auto& k) { return k.empty(); });
    if (r.gates.empty() && !by_kw) continue;
    unsigned slot = static_cast<unsigned>(c->regions.size());
    r.region = static_cast<int>(slot);
    RegionRule rr;
    rr.rule = i;
    rr.by_keyword = by_kw;
    c->regions.push_back(std::move(rr));
    if (by_kw) {
      for (auto& k : r.keywords) {
        auto it = std::find(c->keywords.begin(), c->keywords.end(), k);
        std::size_t ki = static_cast<std::size_t>(it - c->keywords.begin());
        if (it == c->keywords.end()) {
          c->keywords.push_back(k);
          c->kw_regions.emplace_back();
        }
        if (c->kw_regions[ki].empty() || c->kw_regions[ki].back() != slot) c->kw_regions[ki].push_back(slot);
      }
    } else {
      for (unsigned g : r.gates) c->gates.gates[g].owners.push_back(slot);
    }
  }

  c->gates.finish();
  for (std::size_t i = 0; i < c->inj.size(); ++i) c->inj_dbs.push_back(std::make_unique<LazyDb>());
  std::vector<DbPlan> plans = plan_databases(*c, rule_pats, allow_pats);
  c->cache_key = plan_key(L.contents, plans);

  // Cached databases, if a trusted cache file for exactly this key exists.
  RuleLoadInfo& info = c->load_info;
  std::vector<std::string> candidates;
  if (opts.use_sidecar) candidates = sidecars();
  std::string dir_file = opts.cache_dir.empty() ? "" : opts.cache_dir + "/" + c->cache_key + ".hsdb";
  if (!dir_file.empty()) candidates.push_back(dir_file);
  for (auto& path : candidates) {
    CacheImage img;
    std::string why = read_cache_file(path, c->cache_key, lazy_tag, img);
    if (why.empty() && !apply_cache(*c, plans, img)) why = "does not hold the expected databases";
    if (why.empty()) {
      info.from_cache = true;
      info.cache_file = path;
      break;
    }
    bool sidecar = path != dir_file;
    if (!(sidecar && (why == "not present" || why.rfind("made for other", 0) == 0))) info.notes.push_back(path + ": " + why);
  }

  if (!info.from_cache) {
    check_expressions();
    if (!L.problems.empty()) throw RuleError(L.problems);
    for (auto& p : plans) {
      DbSlot t = slot(*c, p.tag);
      if (t.eager) *t.eager = compile(p.exprs, p.flags, p.ids, p.mode, L.problems, p.what);
      else if (t.lazy) t.lazy->set(compile(p.exprs, p.flags, p.ids, p.mode, L.problems, p.what));
    }
    if (!L.problems.empty()) throw RuleError(L.problems);
  }

  for (const Rule& r : c->rules)
    c->holdback = std::max<std::size_t>(c->holdback, r.max_width + (r.back != Extend::none ? kMaxBack : 0));
  c->pem_end_width = 60;
  for (auto& rr : c->regions) {
    const Rule& r = c->rules[rr.rule];
    rr.width = r.max_width;
    rr.reach = r.context + (r.back != Extend::none ? kMaxBack : 0);
  }

  hs_scratch_t* s = nullptr;
  for (auto& [tag, db] : tagged_dbs(*c, false))
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS) throw RuleError({"hyperscan: cannot allocate scratch"});
  c->proto_scratch.reset(s);
  c->holdback += 1;

  if (!info.from_cache && !dir_file.empty()) {
    if (::mkdir(opts.cache_dir.c_str(), 0700) != 0 && errno != EEXIST)
      info.notes.push_back(opts.cache_dir + ": cannot create: " + std::strerror(errno));
    else if (std::string e = write_cache_file(dir_file, c->cache_key, widths_of(*c), tagged_dbs(*c, true), 0600); !e.empty())
      info.notes.push_back(dir_file + ": not written: " + e);
    else
      info.cache_file = dir_file;
  }
  info.load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
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
  return load_json(text, std::move(origin), RuleLoadOptions{});
}

std::shared_ptr<const RuleSet> RuleSet::load_json(std::string_view text, std::string origin, const RuleLoadOptions& opts) {
  auto t0 = Clock::now();
  Loader L;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw RuleError({origin + ": not valid JSON"});
  L.contents.emplace_back(text);
  L.add(doc, origin);
  if (!L.problems.empty()) throw RuleError(L.problems);
  return build(L, opts, t0);
}

std::shared_ptr<const RuleSet> RuleSet::load_files(const std::vector<std::string>& paths) {
  return load_files(paths, RuleLoadOptions{});
}

std::shared_ptr<const RuleSet> RuleSet::load_files(const std::vector<std::string>& paths, const RuleLoadOptions& opts) {
  auto t0 = Clock::now();
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
    L.contents.push_back(std::move(text));
    L.add(doc, p);
  }
  if (!L.problems.empty()) throw RuleError(L.problems);
  return build(L, opts, t0);
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
std::shared_ptr<const RuleSet> RuleSet::load_default(const RuleLoadOptions& opts) {
  return load_files({default_rules_path()}, opts);
}

bool RuleSet::from_cache() const { return c_->load_info.from_cache; }
const RuleLoadInfo& RuleSet::load_info() const { return c_->load_info; }
const std::string& RuleSet::cache_key() const { return c_->cache_key; }

std::string RuleSet::save_cache(const std::string& path, unsigned mode) const {
  return write_cache_file(path, c_->cache_key, widths_of(*c_), tagged_dbs(*c_, true), mode);
}

std::string default_rules_cache_dir() {
  const char* e = std::getenv("CORDON_RULES_CACHE");
  return e ? std::string(e) : std::string();
}

}  // namespace cordon
