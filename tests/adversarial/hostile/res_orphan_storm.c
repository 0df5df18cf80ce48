/* An orphan storm: double-forked daemons (own session, SIGTERM and SIGHUP
 * ignored, stdout still open) that outlive the tool, which exits at once. */
#include "adv.h"

#include <signal.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  int started = 0;
  for (int i = 0; i < 12; ++i) {
    pid_t p = fork();
    if (p == 0) {
      setsid();
      if (fork() == 0) {
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        for (;;) pause();
      }
      _exit(0);
    }
    if (p > 0) {
      waitpid(p, NULL, 0);
      ++started;
    }
  }
  adv_info("%d daemons started; the tool exits now", started);
  return adv_finish();
}
