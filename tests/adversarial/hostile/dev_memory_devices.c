/* Opens the kernel's memory and port devices and the kernel log device. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_read_forbidden("open /dev/mem", "/dev/mem");
  adv_read_forbidden("open /dev/kmem", "/dev/kmem");
  adv_read_forbidden("open /dev/port", "/dev/port");
  adv_read_forbidden("open /dev/kmsg", "/dev/kmsg");
  return adv_finish();
}
