/* Attaches a SysV shared-memory segment of the host by id and writes to it. */
#include "adv.h"

#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "SHM_ID");
  int id = atoi(argv[2]);
  struct shmid_ds ds;
  adv_attempt("shmctl(IPC_STAT) of the host segment", shmctl(id, IPC_STAT, &ds));
  void* p = shmat(id, NULL, 0);
  if (p == (void*)-1) {
    adv_blocked("shmat the host segment", errno);
  } else {
    memcpy(p, "PWNED", 5);
    adv_escaped("attached the host's shm segment %d and wrote to it", id);
    shmdt(p);
  }
  return adv_finish();
}
