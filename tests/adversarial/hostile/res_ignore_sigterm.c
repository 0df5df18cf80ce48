/* Ignores SIGTERM (and every other catchable stop signal) and sleeps
 * forever. */
#include "adv.h"

#include <signal.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  adv_info("ignoring SIGTERM, sleeping forever");
  fflush(stdout);
  for (;;) pause();
}
