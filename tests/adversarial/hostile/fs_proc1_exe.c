/* Opens /proc/1/exe: init is a copy of the launcher, so its exe is the
 * launcher's binary on the host (the runc CVE-2019-5736 class). */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  char buf[4096];
  ssize_t n = readlink("/proc/1/exe", buf, sizeof buf - 1);
  if (n < 0) {
    adv_blocked("readlink /proc/1/exe", errno);
  } else {
    buf[n] = '\0';
    adv_escaped("readlink /proc/1/exe: %s", buf);
  }
  adv_read_forbidden("open /proc/1/exe for reading", "/proc/1/exe");
  int fd = adv_open_write_forbidden("open /proc/1/exe for writing", "/proc/1/exe", 0);
  if (fd >= 0) close(fd);
  adv_read_forbidden("read /proc/1/environ", "/proc/1/environ");
  return adv_finish();
}
