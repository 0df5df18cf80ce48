// Landlock's kernel ABI (defined here because Debian 12's kernel headers
// stop at ABI 2; values are from the kernel's uapi/linux/landlock.h).
#pragma once

#include <cstdint>

namespace cordon::child {

inline constexpr long kSysLandlockCreateRuleset = 444;
inline constexpr long kSysLandlockAddRule = 445;
inline constexpr long kSysLandlockRestrictSelf = 446;
inline constexpr unsigned kLandlockCreateRulesetVersion = 1u << 0;
inline constexpr int kLandlockRulePathBeneath = 1;

namespace ll {
inline constexpr std::uint64_t kExecute = 1ull << 0;
inline constexpr std::uint64_t kWriteFile = 1ull << 1;
inline constexpr std::uint64_t kReadFile = 1ull << 2;
inline constexpr std::uint64_t kReadDir = 1ull << 3;
inline constexpr std::uint64_t kRemoveDir = 1ull << 4;
inline constexpr std::uint64_t kRemoveFile = 1ull << 5;
inline constexpr std::uint64_t kMakeChar = 1ull << 6;
inline constexpr std::uint64_t kMakeDir = 1ull << 7;
inline constexpr std::uint64_t kMakeReg = 1ull << 8;
inline constexpr std::uint64_t kMakeSock = 1ull << 9;
inline constexpr std::uint64_t kMakeFifo = 1ull << 10;
inline constexpr std::uint64_t kMakeBlock = 1ull << 11;
inline constexpr std::uint64_t kMakeSym = 1ull << 12;
inline constexpr std::uint64_t kRefer = 1ull << 13;     // ABI 2
inline constexpr std::uint64_t kTruncate = 1ull << 14;  // ABI 3
inline constexpr std::uint64_t kIoctlDev = 1ull << 15;  // ABI 5
inline constexpr std::uint64_t kScopeAbstractUnix = 1ull << 0;  // ABI 6
inline constexpr std::uint64_t kScopeSignal = 1ull << 1;        // ABI 6
}  // namespace ll

// Rights that may be granted on a non-directory.
inline constexpr std::uint64_t kLandlockFileRights =
    ll::kExecute | ll::kWriteFile | ll::kReadFile | ll::kTruncate | ll::kIoctlDev;

struct LandlockRulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;
  std::uint64_t scoped;
};

struct __attribute__((packed)) LandlockPathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

// Every filesystem right the given ABI knows.
inline std::uint64_t landlock_fs_rights(int abi) {
  std::uint64_t r = (ll::kMakeSym << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) r |= ll::kRefer;
  if (abi >= 3) r |= ll::kTruncate;
  if (abi >= 5) r |= ll::kIoctlDev;
  return r;
}

}  // namespace cordon::child
