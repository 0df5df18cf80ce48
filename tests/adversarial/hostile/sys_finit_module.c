/* finit_module(2): load a kernel module from a file descriptor. */
#include "adv.h"
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("finit_module(/work/tool)");
  adv_attempt("finit_module(/work/tool)", syscall(SYS_finit_module, open("/work/tool", O_RDONLY | O_CLOEXEC), "", 0));
  return adv_finish();
}
