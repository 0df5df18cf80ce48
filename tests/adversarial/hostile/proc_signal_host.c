/* Probes and signals host processes by pid: kill -0 of the launcher, SIGKILL
 * to a host victim running as the sandbox's host uid, and a pidfd for it. */
#include "adv.h"

#include <signal.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 2, "LAUNCHER_PID VICTIM_PID");
  pid_t launcher = (pid_t)atoi(argv[2]);
  pid_t victim = (pid_t)atoi(argv[3]);
  adv_attempt("kill -0 launcher", kill(launcher, 0));
  adv_attempt("SIGKILL host victim", kill(victim, SIGKILL));
  long pidfd = syscall(SYS_pidfd_open, victim, 0);
  adv_attempt("pidfd_open host victim", pidfd);
  if (pidfd >= 0) adv_attempt("pidfd_send_signal SIGKILL", syscall(SYS_pidfd_send_signal, (int)pidfd, SIGKILL, NULL, 0));
  return adv_finish();
}
