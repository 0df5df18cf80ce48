/* Raises capabilities: capset with every bit, ambient raise, clearing the
 * locked securebits. */
#include "adv.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0xff, sizeof data);
  adv_attempt("capset(all capabilities)", syscall(SYS_capset, &hdr, data));
  adv_attempt("prctl(PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN)",
              prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0));
  adv_attempt("prctl(PR_SET_SECUREBITS, 0)", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
  adv_attempt("prctl(PR_SET_NO_NEW_PRIVS, 0)", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &hdr, data) == 0 && (data[0].effective | data[1].effective | data[0].permitted))
    adv_escaped("capabilities held: eff %08x%08x", data[1].effective, data[0].effective);
  return adv_finish();
}
