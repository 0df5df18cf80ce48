/* Becomes root: setuid(0), setresuid(0,0,0), setgid(0), setgroups. */
#include "adv.h"

#include <grp.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_attempt("setuid(0)", syscall(SYS_setuid, 0));
  adv_attempt("setresuid(0, 0, 0)", syscall(SYS_setresuid, 0, 0, 0));
  adv_attempt("setgid(0)", syscall(SYS_setgid, 0));
  gid_t g = 0;
  adv_attempt("setgroups([0])", syscall(SYS_setgroups, 1, &g));
  if (geteuid() == 0 || getegid() == 0) adv_escaped("running as euid %d egid %d", (int)geteuid(), (int)getegid());
  adv_info("uid %d euid %d gid %d", (int)getuid(), (int)geteuid(), (int)getgid());
  return adv_finish();
}
