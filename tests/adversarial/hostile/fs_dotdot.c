/* Climbs out of the workspace with .. (absolute, by chdir, relative to a
 * directory fd) and reads a host file. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_SECRET_PATH");
  const char* secret = argv[2];
  char path[4096];
  snprintf(path, sizeof path, "/work/../../../../../../../../..%s", secret);
  adv_read_forbidden("read host secret via /work/../..", path);

  if (chdir("/work") == 0) {
    for (int i = 0; i < 64; ++i) (void)!chdir("..");
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) adv_info("cwd after climbing: %s", cwd);
    adv_read_forbidden("read host secret relative to climbed cwd", secret + 1);
  }

  int dir = open("/work", O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf(path, sizeof path, "../../../../../../..%s", secret);
  int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    adv_blocked("openat(/work fd, ../..<secret>)", errno);
  } else {
    adv_escaped("openat(/work fd, ../..<secret>) opened the host secret");
    close(fd);
  }
  return adv_finish();
}
