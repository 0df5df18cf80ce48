/* Creates empty files in /tmp until something stops it: the tmpfs byte
 * limit does not count inodes, so only kernel-memory accounting can. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("inode flood in /tmp");
  char path[64];
  for (long n = 0;; ++n) {
    snprintf(path, sizeof path, "/tmp/%ld", n);
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
      adv_blocked("create another empty file", errno);
      adv_info("created %ld files", n);
      return adv_finish();
    }
    close(fd);
  }
}
