/* Creates device nodes for the host's first disk and for /dev/mem in the
 * writable /tmp (and in /dev) and opens them. */
#include "adv.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

static void try_node(const char* what, const char* path, mode_t type, unsigned maj, unsigned min) {
  if (mknod(path, type | 0666, makedev(maj, min)) < 0) {
    adv_blocked(what, errno);
    return;
  }
  adv_info("%s: created %s", what, path);
  adv_read_forbidden(what, path);
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  try_node("mknod /tmp/sda (block 8:0)", "/tmp/sda", S_IFBLK, 8, 0);
  try_node("mknod /tmp/mem (char 1:1)", "/tmp/mem", S_IFCHR, 1, 1);
  try_node("mknod /dev/sda (block 8:0)", "/dev/sda", S_IFBLK, 8, 0);
  return adv_finish();
}
