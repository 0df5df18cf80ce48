/* clone(CLONE_NEWUSER): a child in a nested user namespace, where it would
 * hold a full capability set. */
#include "adv.h"

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("clone(CLONE_NEWUSER)");
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  adv_attempt("clone(CLONE_NEWUSER)", pid);
  return adv_finish();
}
