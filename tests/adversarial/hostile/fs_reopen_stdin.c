/* Reopens its stdin, a host file outside every mount that the caller passed
 * read-only, for writing through /proc/self/fd/0 (the file is mode 0666 on
 * the host, so only the sandbox stops it). */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  char target[512] = "";
  ssize_t n = readlink("/proc/self/fd/0", target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  adv_info("stdin is %s", target);
  int fd = adv_open_write_forbidden("reopen stdin for writing via /proc/self/fd/0", "/proc/self/fd/0", O_APPEND);
  if (fd >= 0) {
    (void)!write(fd, "PWNED\n", 6);
    close(fd);
  }
  fd = open("/proc/self/fd/0", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    adv_blocked("reopen stdin read-write via /proc/self/fd/0", errno);
  } else {
    adv_escaped("reopened stdin read-write");
    close(fd);
  }
  return adv_finish();
}
