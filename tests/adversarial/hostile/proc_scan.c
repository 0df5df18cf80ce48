/* Scans /proc for processes: more than a handful, or the launcher's pid,
 * means the host's processes are visible. */
#include "adv.h"

#include <dirent.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "LAUNCHER_PID");
  int n = 0;
  char list[1024] = "";
  DIR* d = opendir("/proc");
  struct dirent* e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    ++n;
    if (strlen(list) + strlen(e->d_name) + 2 < sizeof list) {
      strcat(list, " ");
      strcat(list, e->d_name);
    }
    if (strcmp(e->d_name, argv[2]) == 0) adv_escaped("the launcher's pid %s is visible", argv[2]);
  }
  if (d) closedir(d);
  adv_info("visible pids:%s", list);
  if (n > 5) {
    adv_escaped("%d processes visible", n);
  } else {
    adv_held("%d processes visible", n);
  }
  return adv_finish();
}
