/* Sends to a SysV message queue of the host by id. */
#include "adv.h"

#include <sys/ipc.h>
#include <sys/msg.h>

struct message {
  long type;
  char text[8];
};

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "MSQ_ID");
  struct message m = {1, "PWNED"};
  adv_attempt("msgsnd to the host queue", msgsnd(atoi(argv[2]), &m, sizeof m.text, IPC_NOWAIT));
  return adv_finish();
}
