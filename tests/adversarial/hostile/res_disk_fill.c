/* Fills /tmp (a tmpfs inside the sandbox) with 1 MiB files, each under the
 * file-size limit, until the filesystem says no. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  static char chunk[1 << 16];
  memset(chunk, 0x5a, sizeof chunk);
  long total = 0;
  for (int i = 0; i < 4096; ++i) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/fill-%d", i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      adv_blocked("create a fill file in /tmp", errno);
      break;
    }
    int err = 0;
    for (int k = 0; k < 16; ++k) {
      ssize_t n = write(fd, chunk, sizeof chunk);
      if (n < 0) {
        err = errno;
        break;
      }
      total += n;
    }
    close(fd);
    if (err != 0) {
      adv_blocked("write to /tmp", err);
      break;
    }
  }
  adv_info("wrote %ld MiB to /tmp", total >> 20);
  if (total > (64L << 20)) adv_escaped("wrote %ld MiB to /tmp", total >> 20);
  return adv_finish();
}
