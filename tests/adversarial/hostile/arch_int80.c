/* A foreign-architecture syscall: i386 getpid through int 0x80. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  long ret;
  adv_try("int 0x80 (i386 getpid)");
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
  if (ret < 0) {
    adv_blocked("int 0x80 (i386 getpid)", (int)-ret);
  } else {
    adv_escaped("i386 getpid returned %ld", ret);
  }
  return adv_finish();
}
