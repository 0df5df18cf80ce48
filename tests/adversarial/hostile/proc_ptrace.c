/* ptrace: attach to init (a copy of the launcher), then to a child. */
#include "adv.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("ptrace(PTRACE_ATTACH, init)");
  adv_attempt("ptrace(PTRACE_ATTACH, init)", ptrace(PTRACE_ATTACH, 1, 0, 0));
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (child > 0) {
    adv_try("ptrace(PTRACE_ATTACH, child)");
    if (ptrace(PTRACE_ATTACH, child, 0, 0) < 0) {
      adv_blocked("ptrace(PTRACE_ATTACH, child)", errno);
    } else {
      waitpid(child, NULL, __WALL);
      errno = 0;
      long word = ptrace(PTRACE_PEEKDATA, child, (void*)&adv_escapes, 0);
      adv_escaped("ptrace attached to a child and read its memory (errno %d, word %ld)", errno, word);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, __WALL);
  }
  return adv_finish();
}
