/* kexec_load(2): boot another kernel (invalid arguments: harmless if it ever ran). */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("kexec_load(invalid arch)");
  adv_attempt("kexec_load(invalid arch)", syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL));
  return adv_finish();
}
