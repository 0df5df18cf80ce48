// Cache files for compiled rule sets (see RuleLoadOptions in cordon/filter.h).
//
// Layout, all integers little-endian:
//   "CORDONRC" | u32 format | u32 key length | key (hex) |
//   u32 n | n x (u32 max_width, u32 min_width)           rule widths, load order
//   u32 m | m x (u32 tag, u64 length, hs_serialize_database bytes)
//   32-byte SHA-256 of everything but the database bytes (Hyperscan CRCs those)
// A file is trusted only if it is a regular file (not a symlink) owned by the
// effective uid or root and not group/world-writable; then its key, length,
// checksum and every database (Hyperscan checks version, platform and CRC)
// must check out. Anything else: the file is ignored, with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "filter/compiled.h"

namespace cordon::filter_detail {

// Bump whenever what the key does not cover changes meaning (file layout,
// how widths are used).
constexpr uint32_t kCacheFormat = 1;

struct CacheImage {
  std::vector<std::pair<uint32_t, uint32_t>> widths;        // (max, min) per rule
  std::vector<std::pair<uint32_t, HsDb>> dbs;               // (tag, database), not owning: they live in `arena`
  std::vector<std::pair<uint32_t, std::string_view>> lazy;  // (tag, serialised bytes in `file`)
  std::shared_ptr<void> arena;                              // one prefaulted mapping for the databases
  std::shared_ptr<const void> file;                         // the file, mapped read-only
};

// "<hs version>|<tune>|<cpu features>": what a compiled database depends on
// besides its expressions.
std::string hs_platform_id();

// Reads `path` if it is trusted and holds `key`. Databases whose tag
// `lazy` accepts are left serialised (CacheImage::lazy); the rest are
// deserialised. Returns "" on success, or why the file was ignored.
std::string read_cache_file(const std::string& path, const std::string& key, const std::function<bool(uint32_t)>& lazy,
                            CacheImage& out);

// Writes atomically (temporary file in the same directory, fsync, rename).
// Returns "" or the reason it failed.
std::string write_cache_file(const std::string& path, const std::string& key,
                             const std::vector<std::pair<uint32_t, uint32_t>>& widths,
                             const std::vector<std::pair<uint32_t, const hs_database_t*>>& dbs, unsigned mode);

}  // namespace cordon::filter_detail
