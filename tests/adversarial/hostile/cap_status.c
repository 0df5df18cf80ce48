/* Reads its own credentials from /proc/self/status: any capability in any
 * set (bounding set included), NoNewPrivs off or no seccomp filter is a
 * weaker sandbox than promised. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) {
    adv_blocked("open /proc/self/status", errno);
    return adv_finish();
  }
  char line[256];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "Cap", 3) == 0) {
      const char* v = strchr(line, '\t');
      if (v && strtoull(v + 1, NULL, 16) != 0) {
        adv_escaped("%s", line);
      } else {
        adv_held("%s", line);
      }
    } else if (strncmp(line, "NoNewPrivs:", 11) == 0) {
      if (strchr(line, '1')) adv_held("%s", line); else adv_escaped("%s", line);
    } else if (strncmp(line, "Seccomp:", 8) == 0) {
      if (strchr(line, '2')) adv_held("%s", line); else adv_escaped("%s", line);
    } else if (strncmp(line, "Uid:", 4) == 0 || strncmp(line, "Gid:", 4) == 0 || strncmp(line, "Groups:", 7) == 0) {
      adv_info("%s", line);
    }
  }
  fclose(f);
  return adv_finish();
}
