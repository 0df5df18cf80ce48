/* keyctl(2): the kernel keyring is not namespaced. */
#include "adv.h"
#include <linux/keyctl.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("keyctl(KEYCTL_GET_KEYRING_ID, session)");
  adv_attempt("keyctl(KEYCTL_GET_KEYRING_ID, session)", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1));
  return adv_finish();
}
