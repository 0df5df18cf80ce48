/* Creates files and directories in a host directory outside the mounts
 * (the directory is mode 0777 on the host, so only the sandbox stops it). */
#include "adv.h"

#include <sys/stat.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/pwned-%s", argv[2], argv[1]);
  int fd = adv_open_write_forbidden("create file in host dir", path, O_CREAT | O_EXCL);
  if (fd >= 0) {
    (void)!write(fd, "PWNED\n", 6);
    close(fd);
  }
  snprintf(path, sizeof path, "%s/pwned-dir-%s", argv[2], argv[1]);
  adv_attempt("mkdir in host dir", mkdir(path, 0777));
  return adv_finish();
}
