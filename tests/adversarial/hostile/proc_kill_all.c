/* kill(-1, SIGKILL): every process the caller may signal. Outside a pid
 * namespace this would hit every host process of the same uid (the suite
 * keeps a victim running as the sandbox's host uid). Then SIGKILL to init. */
#include "adv.h"

#include <signal.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("kill(-1, SIGKILL)");
  if (kill(-1, SIGKILL) < 0) {
    adv_blocked("kill(-1, SIGKILL)", errno);
  } else {
    adv_info("kill(-1, SIGKILL) returned 0 (the host victim's health decides)");
  }
  if (kill(1, SIGKILL) < 0) {
    adv_blocked("SIGKILL init", errno);
  } else {
    adv_info("SIGKILL init returned 0 (init ignores it)");
  }
  return adv_finish();
}
