/* Overwrites its own binary through /proc/self/exe and /work/tool (a host
 * file in the read-only workspace). */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  int fd = adv_open_write_forbidden("open /proc/self/exe for writing", "/proc/self/exe", 0);
  if (fd >= 0) close(fd);
  fd = adv_open_write_forbidden("open /work/tool for writing", "/work/tool", O_APPEND);
  if (fd >= 0) close(fd);
  adv_attempt("unlink /work/tool", unlink("/work/tool"));
  return adv_finish();
}
