/* A memory bomb: allocates and touches memory until something stops it. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("memory bomb");
  size_t mib = 0;
  for (;;) {
    char* p = malloc(1 << 20);
    if (!p) {
      adv_blocked("malloc", errno);
      adv_info("allocated %zu MiB", mib);
      return adv_finish();
    }
    memset(p, 0x5a, 1 << 20);
    ++mib;
    if (mib == 4096) {
      adv_escaped("allocated 4 GiB");
      return adv_finish();
    }
  }
}
