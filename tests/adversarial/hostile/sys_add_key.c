/* add_key(2): plant a key in a keyring. */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("add_key(user)");
  adv_attempt("add_key(user)", syscall(SYS_add_key, "user", "cordon-adv", "x", 1, -3 /* KEY_SPEC_SESSION_KEYRING */));
  return adv_finish();
}
