/* Looks for descriptors inherited from the launcher (fds above 2) and reads
 * from them; the suite leaves one open on a host secret, without CLOEXEC. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "LEAKED_FD");
  int found = 0;
  for (int fd = 3; fd < 4096; ++fd) {
    if (fcntl(fd, F_GETFD) < 0) continue;
    ++found;
    char link[64], target[512] = "";
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    char buf[128] = "";
    ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    adv_escaped("inherited fd %d -> %s: %s", fd, target, buf);
  }
  if (found == 0) adv_held("only fds 0-2 are open");
  char buf[64];
  if (read(atoi(argv[2]), buf, sizeof buf) < 0) adv_blocked("read the launcher's fd", errno);
  return adv_finish();
}
