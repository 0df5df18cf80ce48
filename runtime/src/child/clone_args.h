// Our own definition of the kernel's struct clone_args (v2 layout), for
// clone3 from the launcher and from the spawner: <linux/sched.h> conflicts
// with <sched.h>.
#pragma once

#include <cstdint>

namespace cordon::child {

struct CloneArgs {
  std::uint64_t flags;
  std::uint64_t pidfd;
  std::uint64_t child_tid;
  std::uint64_t parent_tid;
  std::uint64_t exit_signal;
  std::uint64_t stack;
  std::uint64_t stack_size;
  std::uint64_t tls;
  std::uint64_t set_tid;
  std::uint64_t set_tid_size;
  std::uint64_t cgroup;
};
inline constexpr std::uint64_t kClonePidfd = 0x00001000;
inline constexpr std::uint64_t kCloneParent = 0x00008000;

}  // namespace cordon::child
