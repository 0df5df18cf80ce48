/* bpf(2): load eBPF programs. */
#include "adv.h"
#include <linux/bpf.h>
#include <sys/syscall.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("bpf(BPF_PROG_LOAD)");
  adv_attempt("bpf(BPF_PROG_LOAD)", syscall(SYS_bpf, BPF_PROG_LOAD, NULL, 0));
  return adv_finish();
}
