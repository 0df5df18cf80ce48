/* Opens /proc/sysrq-trigger for writing (crash, reboot, kill-all on the
 * host); never writes to it. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  int fd = adv_open_write_forbidden("open /proc/sysrq-trigger for writing", "/proc/sysrq-trigger", 0);
  if (fd >= 0) close(fd);
  return adv_finish();
}
