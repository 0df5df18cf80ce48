/* Follows /proc/PID/root of every visible process (init included) to a host
 * file. */
#include "adv.h"

#include <dirent.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_SECRET_PATH");
  const char* secret = argv[2];
  char path[4096];
  char what[512];
  snprintf(path, sizeof path, "/proc/1/root%s", secret);
  adv_read_forbidden("read host secret via /proc/1/root", path);
  adv_read_forbidden("read /proc/1/root/etc/shadow", "/proc/1/root/etc/shadow");
  DIR* d = opendir("/proc");
  struct dirent* e;
  while (d && (e = readdir(d)) != NULL) {
    if ((e->d_name[0] < '0' || e->d_name[0] > '9') && strcmp(e->d_name, "self") != 0 &&
        strcmp(e->d_name, "thread-self") != 0)
      continue;
    snprintf(path, sizeof path, "/proc/%s/root%s", e->d_name, secret);
    snprintf(what, sizeof what, "read host secret via /proc/%s/root", e->d_name);
    adv_read_forbidden(what, path);
  }
  if (d) closedir(d);
  return adv_finish();
}
