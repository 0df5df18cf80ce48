/* The new mount API: fsopen(2) to build a filesystem context. */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("fsopen(tmpfs)");
  adv_attempt("fsopen(tmpfs)", syscall(SYS_fsopen, "tmpfs", 0));
  return adv_finish();
}
