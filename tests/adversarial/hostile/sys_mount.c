/* mount(2): cover the workspace (or anything) with a new mount. */
#include "adv.h"
#include <sys/mount.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("mount tmpfs over /work");
  adv_attempt("mount tmpfs over /work", mount("none", "/work", "tmpfs", 0, NULL));
  return adv_finish();
}
