/* userfaultfd(2): the race-widening tool of many kernel exploits. */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("userfaultfd()");
  adv_attempt("userfaultfd()", syscall(SYS_userfaultfd, O_CLOEXEC));
  return adv_finish();
}
