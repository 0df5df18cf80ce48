/* Opens global sysctls for writing (core_pattern: code execution as root on
 * the next crash; modprobe; drop_caches; hostname). Writes back only the
 * current value, so a failure of the sandbox changes nothing. */
#include "adv.h"

static void try_sysctl(const char* path) {
  char what[128];
  char cur[256] = "";
  int r = open(path, O_RDONLY | O_CLOEXEC);
  if (r >= 0) {
    ssize_t n = read(r, cur, sizeof cur - 1);
    cur[n > 0 ? n : 0] = '\0';
    close(r);
  }
  snprintf(what, sizeof what, "open %s for writing", path);
  int fd = adv_open_write_forbidden(what, path, 0);
  if (fd >= 0) {
    if (cur[0] != '\0') (void)!write(fd, cur, strlen(cur));
    close(fd);
  }
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  try_sysctl("/proc/sys/kernel/core_pattern");
  try_sysctl("/proc/sys/kernel/modprobe");
  try_sysctl("/proc/sys/kernel/hostname");
  try_sysctl("/proc/sys/vm/overcommit_memory");
  return adv_finish();
}
