/* Burns CPU forever on several processes. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("cpu spin");
  for (int i = 0; i < 3; ++i)
    if (fork() <= 0) break;
  for (volatile unsigned long n = 0;; ++n) {
  }
}
