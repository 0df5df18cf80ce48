/* Pins kernel memory in TCP buffers: loopback connections inside the
 * sandbox's own network namespace, filled and never read. Four processes
 * each queue up to LIMIT_MIB/2 (so twice the memory limit in all) and report
 * through a pipe; queued-and-unread bytes are kernel memory held for the
 * tool, which the memory limit must cover.  Args: LIMIT_MIB */
#include "adv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#define PROCS 4
#define CONNS 28

static long fill(long target) {
  static char buf[1 << 16];
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof a) < 0 || listen(l, CONNS) < 0 ||
      getsockname(l, (struct sockaddr*)&a, &len) < 0)
    return -errno;
  int conns[CONNS];
  int n = 0;
  for (; n < CONNS; ++n) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c < 0) break;
    if (connect(c, (struct sockaddr*)&a, sizeof a) < 0 && errno != EINPROGRESS) break;
    if (accept4(l, NULL, NULL, SOCK_CLOEXEC) < 0) break;
    conns[n] = c;
  }
  long total = 0;
  struct timespec pause_ts = {0, 20 * 1000 * 1000};
  for (int round = 0; round < 50 && total < target; ++round) {
    long before = total;
    for (int k = 0; k < n && total < target; ++k)
      for (;;) {
        ssize_t w = write(conns[k], buf, sizeof buf);
        if (w <= 0) break;
        total += w;
      }
    if (total == before && round > 5) break;  /* no progress: the limit holds */
    nanosleep(&pause_ts, NULL);
  }
  return total;
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "LIMIT_MIB");
  long limit = atol(argv[2]) << 20;
  int report[2];
  if (pipe(report) < 0) return 1;
  adv_try("tcp buffer bomb");
  pid_t kids[PROCS];
  for (int i = 0; i < PROCS; ++i) {
    kids[i] = fork();
    if (kids[i] == 0) {
      long t = fill(limit / 2);
      (void)!write(report[1], &t, sizeof t);
      for (;;) pause();
    }
  }
  long total = 0;
  for (int i = 0; i < PROCS; ++i) {
    long t = 0;
    if (kids[i] > 0 && read(report[0], &t, sizeof t) == (ssize_t)sizeof t && t > 0) total += t;
  }
  adv_info("%d processes hold %ld MiB of unread data in TCP buffers (memory limit %ld MiB)", PROCS, total >> 20,
           limit >> 20);
  if (total > limit) {
    adv_escaped("%ld MiB of kernel memory pinned in TCP buffers, beyond the %ld MiB memory limit", total >> 20,
                limit >> 20);
  } else {
    adv_held("TCP buffers stayed within the memory limit");
  }
  for (int i = 0; i < PROCS; ++i)
    if (kids[i] > 0) kill(kids[i], SIGKILL);
  return adv_finish();
}
