/* Reaches the cgroup filesystem to lift its own limits or move itself out of
 * the call's cgroup. */
#include "adv.h"

#include <sys/stat.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  char own[512] = "";
  FILE* f = fopen("/proc/self/cgroup", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    adv_info("/proc/self/cgroup: %s", line);
    if (strstr(line, ":memory:")) snprintf(own, sizeof own, "%s", strrchr(line, ':') + 1);
  }
  if (f) fclose(f);
  const char* files[] = {"/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/memory/cgroup.procs",
                         "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max",
                         "/sys/fs/cgroup/unified/cgroup.subtree_control", "/sys/fs/cgroup/release_agent"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
    char what[128];
    snprintf(what, sizeof what, "open %s for writing", files[i]);
    int fd = adv_open_write_forbidden(what, files[i], 0);
    if (fd >= 0) close(fd);
  }
  char path[1024];
  snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", own);
  int fd = adv_open_write_forbidden("open own memory.limit_in_bytes for writing", path, 0);
  if (fd >= 0) close(fd);
  adv_attempt("mkdir /sys", mkdir("/sys", 0755));
  return adv_finish();
}
