/* TIOCSTI with high bits set in the 64-bit cmd (the kernel reads only the low 32). */
#include "adv.h"
#include <sys/ioctl.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("ioctl(0, TIOCSTI | 1<<32)");
  adv_attempt("ioctl(0, TIOCSTI | 1<<32)", syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, "x"));
  return adv_finish();
}
