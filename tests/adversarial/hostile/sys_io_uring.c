/* io_uring_setup(2): io_uring operations bypass syscall filtering. */
#include "adv.h"
#include <sys/syscall.h>
static char params[120];

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("io_uring_setup(8)");
  adv_attempt("io_uring_setup(8)", syscall(SYS_io_uring_setup, 8, params));
  return adv_finish();
}
