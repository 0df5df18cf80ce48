/* process_vm_readv: read init's memory (a copy of the launcher's), then a
 * child's. */
#include "adv.h"

#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char secret_word[16] = "child-memory";

static long read_from(pid_t pid) {
  char buf[16];
  struct iovec local = {buf, sizeof buf};
  struct iovec remote = {secret_word, sizeof secret_word};
  return (long)process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("process_vm_readv(init)");
  adv_attempt("process_vm_readv(init)", read_from(1));
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (child > 0) {
    adv_attempt("process_vm_readv(child)", read_from(child));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  return adv_finish();
}
