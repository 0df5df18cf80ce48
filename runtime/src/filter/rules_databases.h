// Which Hyperscan databases a rule set needs (a plan per database: mode,
// expressions, flags, ids), where each goes in Compiled, which are loaded
// lazily from a cache, the cache key, and compiling.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "filter/compiled.h"
#include "filter/rules_cache.h"

namespace cordon::filter_detail {

// Database tags in cache files; region rules and injection patterns count up.
enum Tag : uint32_t { kTagSecrets = 1, kTagMain, kTagPii, kTagSecretsBlock, kTagAllow, kTagRegion = 1000, kTagInj = 2000 };

struct DbPlan {
  uint32_t tag = 0;
  unsigned mode = 0;
  std::string what;  // names the database in error messages
  std::vector<std::string> exprs;
  std::vector<unsigned> flags, ids;
  void add(std::string e, unsigned f, unsigned id) {
    exprs.push_back(std::move(e));
    flags.push_back(f);
    ids.push_back(id);
  }
};

// Compiles one database; on failure appends a problem per failing
// expression (or the whole database's error) and returns null.
HsDb compile(const std::vector<std::string>& pats, const std::vector<unsigned>& flags, const std::vector<unsigned>& ids,
             unsigned mode, std::vector<std::string>& problems, const std::string& what);

// Where a database goes: an eager slot, or a lazily loaded one.
struct DbSlot {
  HsDb* eager = nullptr;
  LazyDb* lazy = nullptr;
  explicit operator bool() const { return eager || lazy; }
};
DbSlot slot(Compiled& c, uint32_t tag);
// Databases left serialised when loading from a cache (used by few filters
// or only on rare hits).
bool lazy_tag(uint32_t tag);

// The databases for `c` (rules, regions, injection and keywords already
// parsed). `rule_pats` parallels c.rules.
std::vector<DbPlan> plan_databases(const Compiled& c, const std::vector<std::string>& rule_pats,
                                   const std::vector<std::string>& allow_pats);
// Hex SHA-256 of the rules texts, the plans, the cache format and the
// Hyperscan version and platform: equal keys compile to equal databases.
std::string plan_key(const std::vector<std::string>& contents, const std::vector<DbPlan>& plans);

// (tag, database) pairs: all (loading lazy ones) for a cache file, or only
// the eager ones (for the shared scratch).
std::vector<std::pair<uint32_t, const hs_database_t*>> tagged_dbs(const Compiled& c, bool with_lazy);
std::vector<std::pair<uint32_t, uint32_t>> widths_of(const Compiled& c);
// Installs a cache image if it holds exactly the planned databases.
bool apply_cache(Compiled& c, const std::vector<DbPlan>& plans, CacheImage& img);

}  // namespace cordon::filter_detail
