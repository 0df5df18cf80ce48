/* A zombie storm: forks children that exit at once and are never reaped. */
#include "adv.h"

#include <signal.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("zombie storm");
  int n = 0;
  for (;;) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p < 0) {
      adv_blocked("fork zombie", errno);
      adv_info("%d zombies", n);
      break;
    }
    ++n;
  }
  for (;;) pause();
}
