/* Escapes the CPU and OOM controls by priority: real-time scheduling (not
 * covered by CFS bandwidth), nice -20, and immunity from the OOM killer. */
#include "adv.h"

#include <sched.h>
#include <sys/resource.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  struct sched_param sp = {.sched_priority = 1};
  adv_attempt("sched_setscheduler(SCHED_FIFO)", sched_setscheduler(0, SCHED_FIFO, &sp));
  adv_attempt("sched_setscheduler(SCHED_RR)", sched_setscheduler(0, SCHED_RR, &sp));
  adv_attempt("setpriority(-20)", setpriority(PRIO_PROCESS, 0, -20));
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    adv_blocked("open /proc/self/oom_score_adj", errno);
  } else {
    adv_attempt("oom_score_adj -1000", write(fd, "-1000", 5));
    close(fd);
  }
  return adv_finish();
}
