/* Steals a descriptor from init (its channel to the launcher) with
 * pidfd_getfd. */
#include "adv.h"

#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  long pidfd = syscall(SYS_pidfd_open, 1, 0);
  if (pidfd < 0) {
    adv_blocked("pidfd_open(init)", errno);
    return adv_finish();
  }
  for (int fd = 0; fd < 16; ++fd) {
    adv_try("pidfd_getfd(init)");
    long got = syscall(SYS_pidfd_getfd, (int)pidfd, fd, 0);
    if (got >= 0) adv_escaped("pidfd_getfd took init's fd %d", fd);
  }
  adv_blocked("pidfd_getfd(init) for fds 0-15", errno);
  return adv_finish();
}
