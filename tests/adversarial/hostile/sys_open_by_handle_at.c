/* open_by_handle_at(2): the shocker escape (open host inodes by handle). */
#include "adv.h"
#include <sys/syscall.h>
static unsigned char handle[8 + 128] = {8, 0, 0, 0, 1, 0, 0, 0};

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("open_by_handle_at(/)");
  adv_attempt("open_by_handle_at(/)", syscall(SYS_open_by_handle_at, open("/usr", O_RDONLY | O_CLOEXEC), handle, O_RDONLY));
  return adv_finish();
}
