/* A fork bomb: every process forks forever. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("fork bomb");
  for (;;) (void)fork();
}
