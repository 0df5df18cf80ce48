/* Opens descriptors until the open-files limit stops it. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  int n = 0;
  for (;;) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) {
      adv_blocked("open another descriptor", errno);
      break;
    }
    if (++n > 100000) {
      adv_escaped("opened %d descriptors", n);
      break;
    }
  }
  adv_info("opened %d descriptors", n);
  return adv_finish();
}
