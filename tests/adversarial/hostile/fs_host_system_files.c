/* Reads well-known host files and directories that no profile mounts. */
#include "adv.h"

#include <dirent.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_read_forbidden("read /etc/shadow", "/etc/shadow");
  adv_read_forbidden("read /etc/passwd", "/etc/passwd");
  adv_read_forbidden("read /etc/hostname", "/etc/hostname");
  const char* dirs[] = {"/root", "/home", "/var", "/boot", "/etc/ssh", "/run"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; ++i) {
    char what[64];
    snprintf(what, sizeof what, "list %s", dirs[i]);
    DIR* d = opendir(dirs[i]);
    if (d) {
      adv_escaped("%s", what);
      closedir(d);
    } else {
      adv_blocked(what, errno);
    }
  }
  return adv_finish();
}
