/* iopl(2): raw I/O port access. */
#include "adv.h"
#include <sys/io.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("iopl(3)");
  adv_attempt("iopl(3)", iopl(3));
  return adv_finish();
}
