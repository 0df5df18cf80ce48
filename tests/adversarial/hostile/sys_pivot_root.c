/* pivot_root(2): swap the root filesystem. */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("pivot_root(/tmp, /tmp)");
  adv_attempt("pivot_root(/tmp, /tmp)", syscall(SYS_pivot_root, "/tmp", "/tmp"));
  return adv_finish();
}
