/* A foreign-architecture syscall: x32 getpid (syscall number | 0x40000000). */
#include "adv.h"

#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("x32 getpid");
  adv_attempt("x32 getpid", syscall(0x40000000 | SYS_getpid));
  return adv_finish();
}
