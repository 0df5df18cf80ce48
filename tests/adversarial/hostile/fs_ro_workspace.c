/* Modifies the read-only host workspace in every way it can think of. */
#include "adv.h"

#include <sys/stat.h>
#include <sys/time.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  char path[256];
  int fd = adv_open_write_forbidden("truncate /work/victim.txt", "/work/victim.txt", O_TRUNC);
  if (fd >= 0) close(fd);
  snprintf(path, sizeof path, "/work/new-%s", argv[1]);
  fd = adv_open_write_forbidden("create a file in /work", path, O_CREAT | O_EXCL);
  if (fd >= 0) close(fd);
  snprintf(path, sizeof path, "/work/dir-%s", argv[1]);
  adv_attempt("mkdir in /work", mkdir(path, 0777));
  adv_attempt("chmod /work/victim.txt", chmod("/work/victim.txt", 0777));
  adv_attempt("truncate() /work/victim.txt", truncate("/work/victim.txt", 0));
  snprintf(path, sizeof path, "/work/renamed-%s", argv[1]);
  adv_attempt("rename /work/victim.txt", rename("/work/victim.txt", path));
  adv_attempt("utimes /work/victim.txt", utimes("/work/victim.txt", NULL));
  return adv_finish();
}
