/* clone3(CLONE_NEWUSER): clone3 keeps its flags in memory, where a seccomp
 * filter cannot inspect them, so it must be refused outright. */
#include "adv.h"

#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_NEWUSER;
  ca.exit_signal = SIGCHLD;
  adv_try("clone3(CLONE_NEWUSER)");
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  adv_attempt("clone3(CLONE_NEWUSER)", pid);
  return adv_finish();
}
