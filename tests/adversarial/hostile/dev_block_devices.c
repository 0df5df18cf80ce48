/* Opens the host's disks and lists /dev for anything beyond the minimal set. */
#include "adv.h"

#include <dirent.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  const char* disks[] = {"/dev/sda", "/dev/vda", "/dev/xvda", "/dev/nvme0n1", "/dev/dm-0", "/dev/loop0"};
  for (size_t i = 0; i < sizeof disks / sizeof disks[0]; ++i) {
    char what[64];
    snprintf(what, sizeof what, "open %s", disks[i]);
    adv_read_forbidden(what, disks[i]);
  }
  const char* allowed[] = {".", "..", "null", "zero", "full", "random", "urandom", "fd", "stdin", "stdout", "stderr"};
  DIR* d = opendir("/dev");
  struct dirent* e;
  while (d && (e = readdir(d)) != NULL) {
    int ok = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; ++i) ok |= strcmp(e->d_name, allowed[i]) == 0;
    if (!ok) adv_escaped("unexpected device /dev/%s", e->d_name);
  }
  if (d) closedir(d);
  return adv_finish();
}
