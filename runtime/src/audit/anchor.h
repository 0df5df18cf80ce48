// The anchor file "<log>.head": the seq and hash of the last record known to
// be durable, so that removing whole records from the end of the log is
// detectable. Format (also in cordon/audit.h): two slots of kAnchorSlotBytes,
//   "cordon-audit-head v1 seq=<20 digits> hash=<64 hex> check=<16 hex>"
// padded with spaces, ending in "\n"; check = first 16 hex of SHA-256 of the
// text before " check=". Writers alternate slots; the valid slot with the
// higher seq wins, so a torn write of one slot is harmless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cordon::audit_detail {

inline constexpr std::size_t kAnchorSlotBytes = 160;
inline constexpr std::string_view kAnchorMagic = "cordon-audit-head v1 ";

struct AnchorState {
  std::uint64_t seq = 0;  // 0 = no record yet
  std::string hash;       // kAuditGenesis when seq == 0
};

std::string format_anchor_slot(const AnchorState& s);  // exactly kAnchorSlotBytes

// Content starts with the magic (a file given to verify may be an anchor).
bool looks_like_anchor(std::string_view content);

// The winning slot of a whole anchor file's content. nullopt and `error`
// when no slot is valid.
std::optional<AnchorState> parse_anchor(std::string_view content, std::string& error);

// Reads and parses an anchor file. nullopt and `error` on IO or format error.
std::optional<AnchorState> read_anchor_file(const std::string& path, std::string& error);

// Writes one slot (0 or 1) with pwrite, then fdatasync when `sync`.
// Returns "" or the error.
std::string write_anchor_slot(int fd, unsigned slot, const AnchorState& s, bool sync);

}  // namespace cordon::audit_detail
