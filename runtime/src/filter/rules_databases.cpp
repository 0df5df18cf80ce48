#include "filter/rules_databases.h"

#include <algorithm>

#include "filter/injection.h"
#include "sha256.h"

namespace cordon::filter_detail {

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

DbSlot slot(Compiled& c, uint32_t tag) {
  switch (tag) {
    case kTagSecrets: return {nullptr, &c.secrets_db};
    case kTagMain: return {&c.main_db, nullptr};
    case kTagPii: return {&c.pii_db, nullptr};
    case kTagSecretsBlock: return {&c.secrets_block_db, nullptr};
    case kTagAllow: return {&c.allow_db, nullptr};
    default: break;
  }
  if (tag >= kTagRegion && tag - kTagRegion < c.regions.size()) return {&c.regions[tag - kTagRegion].db, nullptr};
  if (tag >= kTagInj && tag - kTagInj < c.inj_dbs.size()) return {nullptr, c.inj_dbs[tag - kTagInj].get()};
  return {};
}

// From a cache, these stay serialised until used: the injection patterns'
// start-of-match databases (needed only on hits) and the secrets-only
// stream (only filters with injection and PII detection off use it).
bool lazy_tag(uint32_t tag) { return tag == kTagSecrets || tag >= kTagInj; }

// Which patterns go into which database. Everything a compiled database
// depends on is in here (and in the cache key).
std::vector<DbPlan> plan_databases(const Compiled& c, const std::vector<std::string>& rule_pats,
                                   const std::vector<std::string>& allow_pats) {
  static const std::string kPemEnd = "-----END[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----";
  DbPlan sec{kTagSecrets, HS_MODE_STREAM, "secret rules", {}, {}, {}};
  DbPlan pii{kTagPii, HS_MODE_STREAM, "pii rules", {}, {}, {}};
  DbPlan blk{kTagSecretsBlock, HS_MODE_BLOCK, "secret rules (block)", {}, {}, {}};
  std::vector<DbPlan> regions;
  for (unsigned i = 0; i < c.rules.size(); ++i) {
    const Rule& r = c.rules[i];
    if (r.region >= 0) {
      DbPlan p{kTagRegion + static_cast<uint32_t>(r.region), HS_MODE_BLOCK, "rule '" + r.id + "' (block)", {}, {}, {}};
      p.add(rule_pats[i], HS_FLAG_SOM_LEFTMOST, i);
      regions.push_back(std::move(p));
      continue;
    }
    // Secret and personal-data rules stream separately: unanchored PII
    // patterns dominate scan time, and a profile may switch them off.
    (r.kind == "pii" ? pii : sec).add(rule_pats[i], 0, i);
    blk.add(rule_pats[i], HS_FLAG_SOM_LEFTMOST, i);
  }
  sec.add(kPemEnd, 0, kPemEndId);
  blk.add(kPemEnd, HS_FLAG_SOM_LEFTMOST, kPemEndId);
  // The main stream: secrets, injection patterns and keyword anchors in one
  // scan (one literal pass instead of three).
  DbPlan main = sec;
  main.tag = kTagMain;
  main.what = "secret, injection and keyword patterns";
  for (unsigned i = 0; i < c.inj.size(); ++i) main.add(c.inj_patterns_[i], HS_FLAG_CASELESS, kInjBase + i);
  for (unsigned i = 0; i < c.inj_b64_lits.size(); ++i) main.add(c.inj_b64_lits[i], 0, kInjBase + kB64TriggerBase + i);
  for (unsigned i = 0; i < c.keywords.size(); ++i) main.add(hs_literal(c.keywords[i]), HS_FLAG_CASELESS, kKwBase + i);
  std::vector<DbPlan> inj;
  for (unsigned i = 0; i < c.inj.size(); ++i) {
    inj.push_back({kTagInj + i, HS_MODE_BLOCK, "injection pattern '" + c.inj[i].id + "' (block)", {}, {}, {}});
    inj.back().add(c.inj_patterns_[i], HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST, i);
  }
  DbPlan allow{kTagAllow, HS_MODE_BLOCK, "allowlist patterns", {}, {}, {}};
  for (unsigned i = 0; i < allow_pats.size(); ++i) allow.add(allow_pats[i], HS_FLAG_SINGLEMATCH, i);

  std::vector<DbPlan> out;
  bool need_main = !c.inj.empty() || !c.keywords.empty();
  for (DbPlan* p : {&sec, &pii, &blk, &allow})
    if (!p->exprs.empty()) out.push_back(std::move(*p));
  if (need_main) out.push_back(std::move(main));
  for (auto& p : regions) out.push_back(std::move(p));
  for (auto& p : inj) out.push_back(std::move(p));
  return out;
}

std::string plan_key(const std::vector<std::string>& contents, const std::vector<DbPlan>& plans) {
  std::string d = "cordon-rules-cache\n" + std::to_string(kCacheFormat) + "\n" + hs_platform_id() + "\n";
  for (auto& t : contents) d += std::to_string(t.size()) + "\n" + t + "\n";
  for (auto& p : plans) {
    d += "db " + std::to_string(p.tag) + " " + std::to_string(p.mode) + " " + std::to_string(p.exprs.size()) + "\n";
    for (std::size_t i = 0; i < p.exprs.size(); ++i)
      d += std::to_string(p.ids[i]) + " " + std::to_string(p.flags[i]) + " " + std::to_string(p.exprs[i].size()) + " " + p.exprs[i] + "\n";
  }
  return sha256_hex(d);
}

// Every (tag, database) of `c`: all of them for writing a cache file
// (loading lazy ones), or only the eager ones (for the shared scratch).
std::vector<std::pair<uint32_t, const hs_database_t*>> tagged_dbs(const Compiled& c, bool with_lazy) {
  std::vector<std::pair<uint32_t, const hs_database_t*>> v;
  for (uint32_t t : {kTagMain, kTagPii, kTagSecretsBlock, kTagAllow})
    if (DbSlot s = slot(const_cast<Compiled&>(c), t); s.eager && *s.eager) v.emplace_back(t, s.eager->get());
  for (std::size_t i = 0; i < c.regions.size(); ++i) v.emplace_back(kTagRegion + static_cast<uint32_t>(i), c.regions[i].db.get());
  if (!with_lazy) return v;
  if (c.secrets_db.present()) v.emplace_back(kTagSecrets, c.secrets_db.get());
  for (std::size_t i = 0; i < c.inj_dbs.size(); ++i) v.emplace_back(kTagInj + static_cast<uint32_t>(i), c.inj_dbs[i]->get());
  return v;
}

std::vector<std::pair<uint32_t, uint32_t>> widths_of(const Compiled& c) {
  std::vector<std::pair<uint32_t, uint32_t>> w;
  for (auto& r : c.rules) w.emplace_back(r.max_width, r.min_width);
  return w;
}

// Installs a cache image if it has exactly the databases the plan needs.
bool apply_cache(Compiled& c, const std::vector<DbPlan>& plans, CacheImage& img) {
  if (img.widths.size() != c.rules.size() || img.dbs.size() + img.lazy.size() != plans.size()) return false;
  std::vector<uint32_t> seen;
  auto plan_of = [&](uint32_t tag) -> const DbPlan* {
    auto it = std::find_if(plans.begin(), plans.end(), [tag](const DbPlan& p) { return p.tag == tag; });
    bool dup = std::find(seen.begin(), seen.end(), tag) != seen.end();
    seen.push_back(tag);
    return it == plans.end() || dup ? nullptr : &*it;
  };
  for (auto& [tag, db] : img.dbs)
    if (!plan_of(tag) || !slot(c, tag).eager) return false;
  std::vector<const DbPlan*> lazy_plans;
  for (auto& [tag, bytes] : img.lazy) {
    lazy_plans.push_back(plan_of(tag));
    if (!lazy_plans.back() || !slot(c, tag).lazy) return false;
  }
  for (auto& [tag, db] : img.dbs) *slot(c, tag).eager = std::move(db);
  for (std::size_t i = 0; i < img.lazy.size(); ++i) {
    auto [tag, bytes] = img.lazy[i];
    // Should Hyperscan reject the bytes when they are first needed, compile instead.
    slot(c, tag).lazy->defer(bytes, img.file, [p = *lazy_plans[i]] {
      std::vector<std::string> problems;
      return compile(p.exprs, p.flags, p.ids, p.mode, problems, p.what);
    });
  }
  c.db_arena = std::move(img.arena);
  for (std::size_t i = 0; i < c.rules.size(); ++i) {
    c.rules[i].max_width = img.widths[i].first;
    c.rules[i].min_width = img.widths[i].second;
  }
  return true;
}

}  // namespace cordon::filter_detail
