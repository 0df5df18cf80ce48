/* chroot(2): the classic chroot-escape starting point. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("chroot(/tmp)");
  adv_attempt("chroot(/tmp)", chroot("/tmp"));
  return adv_finish();
}
