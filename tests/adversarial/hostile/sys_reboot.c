/* reboot(2) (with invalid magic numbers: harmless if it ever ran). */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("reboot(bad magic)");
  adv_attempt("reboot(bad magic)", syscall(SYS_reboot, 0, 0, 0, NULL));
  return adv_finish();
}
