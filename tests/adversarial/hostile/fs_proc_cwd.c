/* Uses /proc/PID/cwd (init's and its own) to reach host files. */
#include "adv.h"

#include <dirent.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_SECRET_PATH");
  const char* secret = argv[2];
  char path[4096];
  snprintf(path, sizeof path, "/proc/1/cwd/../../../../../../..%s", secret);
  adv_read_forbidden("read host secret via /proc/1/cwd", path);
  DIR* d = opendir("/proc/1/cwd");
  if (d) {
    adv_escaped("listed init's cwd /proc/1/cwd");
    closedir(d);
  } else {
    adv_blocked("list /proc/1/cwd", errno);
  }
  snprintf(path, sizeof path, "/proc/self/cwd/../../../../../../..%s", secret);
  adv_read_forbidden("read host secret via /proc/self/cwd", path);
  return adv_finish();
}
