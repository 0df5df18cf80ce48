/* Plants symlinks in the writable /tmp that point at host paths (directly,
 * through /proc/1/root and through a chain of ..) and follows them, for
 * reading and for creating a file. */
#include "adv.h"

#include <sys/stat.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 2, "HOST_SECRET_PATH HOST_DIR");
  const char* secret = argv[2];
  char target[4096];
  char link[256];

  snprintf(link, sizeof link, "/tmp/direct-%s", argv[1]);
  if (symlink(secret, link) < 0) adv_info("symlink %s: %s", link, strerror(errno));
  adv_read_forbidden("read host secret through /tmp symlink", link);

  snprintf(target, sizeof target, "/proc/1/root%s", secret);
  snprintf(link, sizeof link, "/tmp/proc1-%s", argv[1]);
  if (symlink(target, link) < 0) adv_info("symlink %s: %s", link, strerror(errno));
  adv_read_forbidden("read host secret through /tmp symlink to /proc/1/root", link);

  snprintf(link, sizeof link, "/tmp/up-%s", argv[1]);
  if (symlink("../../../../../../../../../../..", link) < 0) adv_info("symlink %s: %s", link, strerror(errno));
  snprintf(target, sizeof target, "%s%s", link, secret);
  adv_read_forbidden("read host secret through /tmp symlink to ../..", target);

  snprintf(target, sizeof target, "%s/pwned-%s", argv[3], argv[1]);
  snprintf(link, sizeof link, "/tmp/write-%s", argv[1]);
  if (symlink(target, link) < 0) adv_info("symlink %s: %s", link, strerror(errno));
  int fd = adv_open_write_forbidden("create host file through dangling /tmp symlink", link, O_CREAT);
  if (fd >= 0) close(fd);
  return adv_finish();
}
