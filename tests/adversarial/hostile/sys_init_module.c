/* init_module(2): load a kernel module (a garbage image). */
#include "adv.h"
#include <sys/syscall.h>
static char image[64];

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("init_module(garbage)");
  adv_attempt("init_module(garbage)", syscall(SYS_init_module, image, sizeof image, ""));
  return adv_finish();
}
