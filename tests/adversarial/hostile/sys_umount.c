/* umount2(2): detach a read-only mount to reveal what is under it. */
#include "adv.h"
#include <sys/mount.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("umount2(/work, MNT_DETACH)");
  adv_attempt("umount2(/work, MNT_DETACH)", umount2("/work", MNT_DETACH));
  return adv_finish();
}
