#include "sandbox/syscall_names.h"

#include <cstdlib>
#include <seccomp.h>
#include <string_view>

namespace cordon {
namespace {

struct Known {
  std::string_view name;
  int nr;
};

// x86_64 numbers of syscalls libseccomp 2.5.4 does not know.
constexpr Known kNewer[] = {
    {"statmount", 457},      {"listmount", 458},      {"lsm_get_self_attr", 459},
    {"lsm_set_self_attr", 460}, {"lsm_list_modules", 461}, {"mseal", 462},
    {"setxattrat", 463},     {"getxattrat", 464},     {"listxattrat", 465},
    {"removexattrat", 466},  {"open_tree_attr", 467},  {"file_getattr", 468},
    {"file_setattr", 469},
};

}  // namespace

int syscall_number(const std::string& name) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr >= 0) return nr;
  for (const auto& k : kNewer)
    if (k.name == name) return k.nr;
  return -1;
}

std::string syscall_name(int nr) {
  char* s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (s != nullptr) {
    std::string out(s);
    std::free(s);
    return out;
  }
  for (const auto& k : kNewer)
    if (k.nr == nr) return std::string(k.name);
  return "nr:" + std::to_string(nr);
}

}  // namespace cordon
