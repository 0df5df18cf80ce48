/* perf_event_open(2): observe other processes and the kernel. */
#include "adv.h"
#include <linux/perf_event.h>
#include <sys/syscall.h>
static struct perf_event_attr attr = {.size = sizeof(struct perf_event_attr), .type = PERF_TYPE_HARDWARE};

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("perf_event_open(cpu-wide)");
  adv_attempt("perf_event_open(cpu-wide)", syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0));
  return adv_finish();
}
