/* syslog(2): read the kernel log. */
#include "adv.h"
#include <sys/klog.h>
static char kbuf[256];

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("syslog(SYSLOG_ACTION_READ_ALL)");
  adv_attempt("syslog(SYSLOG_ACTION_READ_ALL)", klogctl(3, kbuf, sizeof kbuf));
  return adv_finish();
}
