#include "cordond/malloc_tuning.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/prctl.h>
#include <unistd.h>

namespace cordon::daemon {
namespace {

constexpr const char* kTunable = "glibc.malloc.tcache_count";

}  // namespace

void apply_malloc_tuning(char** argv, std::string& note) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current ? current : "";
  if (tunables.find(kTunable) != std::string::npos) {  // set already (by us, or the operator)
    // Exec'd through /proc/self/exe, the process is named "exe": give it
    // its own name back (what ps, top and pkill show).
    if (argv && argv[0]) {
      const char* base = std::strrchr(argv[0], '/');
      (void)prctl(PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
    }
    return;
  }
  if (!tunables.empty()) tunables += ':';
  tunables += kTunable;
  tunables += "=0";
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) {
    note = std::string("setenv: ") + std::strerror(errno);
    return;
  }
  execv("/proc/self/exe", argv);
  note = std::string("re-exec through /proc/self/exe: ") + std::strerror(errno);
}

}  // namespace cordon::daemon
