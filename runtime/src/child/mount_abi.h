// Mount and misc kernel ABI not (reliably) exposed by Debian 12's headers
// without conflicts between <sys/mount.h> and <linux/mount.h>.
#pragma once

#include <cstdint>

namespace cordon::child {

inline constexpr long kSysMountSetattr = 442;
inline constexpr std::uint64_t kMountAttrRdonly = 0x1;
inline constexpr std::uint64_t kMountAttrNosuid = 0x2;
inline constexpr std::uint64_t kMountAttrNodev = 0x4;
inline constexpr std::uint64_t kMountAttrNoexec = 0x8;
inline constexpr unsigned kCloseRangeCloexec = 1u << 2;

struct MountAttr {
  std::uint64_t attr_set;
  std::uint64_t attr_clr;
  std::uint64_t propagation;
  std::uint64_t userns_fd;
};

}  // namespace cordon::child
