/* Raises the hard rlimits the profile set (open files, file size, core). */
#include "adv.h"

#include <sys/resource.h>

static void raise_limit(const char* what, int res) {
  struct rlimit rl;
  if (getrlimit(res, &rl) < 0) return;
  adv_info("%s: soft %llu hard %llu", what, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  if (rl.rlim_max == RLIM_INFINITY) {
    adv_escaped("%s has no hard limit", what);
    return;
  }
  rl.rlim_max = rl.rlim_max * 4 + 1;
  rl.rlim_cur = rl.rlim_max;
  adv_attempt(what, setrlimit(res, &rl));
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  raise_limit("raise RLIMIT_NOFILE", RLIMIT_NOFILE);
  raise_limit("raise RLIMIT_FSIZE", RLIMIT_FSIZE);
  raise_limit("raise RLIMIT_CORE", RLIMIT_CORE);
  return adv_finish();
}
