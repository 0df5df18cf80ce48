/* unshare(CLONE_NEWUSER): a nested user namespace in which the tool is root. */
#include "adv.h"
#include <sched.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("unshare(CLONE_NEWUSER)");
  adv_attempt("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
  return adv_finish();
}
