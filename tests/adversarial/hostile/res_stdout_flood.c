/* Floods stdout. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  static char buf[1 << 16];
  memset(buf, 'o', sizeof buf);
  for (;;)
    if (write(1, buf, sizeof buf) < 0) return 1;
}
