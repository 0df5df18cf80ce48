/* setns(2): join a namespace through a /proc/PID/ns file. */
#include "adv.h"
#include <sched.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("setns(/proc/self/ns/user)");
  adv_attempt("setns(/proc/self/ns/user)", setns(open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC), 0));
  return adv_finish();
}
