/* TIOCSTI: push input into the terminal of whoever started the tool. */
#include "adv.h"
#include <sys/ioctl.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("ioctl(0, TIOCSTI)");
  adv_attempt("ioctl(0, TIOCSTI)", ioctl(0, TIOCSTI, "x"));
  return adv_finish();
}
