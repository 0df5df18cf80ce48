/* Executes a setuid-root payload that the suite placed in the workspace (on
 * the host: owner root, mode 4755); the payload reports its euid. */
#include "adv.h"

#include <sys/stat.h>
#include <sys/wait.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "PAYLOAD_PATH");
  struct stat sb;
  if (stat(argv[2], &sb) == 0) adv_info("%s: mode %o owner %d", argv[2], (unsigned)sb.st_mode & 07777, (int)sb.st_uid);
  pid_t child = fork();
  if (child == 0) {
    char* args[] = {argv[2], NULL};
    char* env[] = {NULL};
    execve(argv[2], args, env);
    printf("blocked: execve setuid payload: errno=%d (%s)\n", errno, adv_errname(errno));
    _exit(126);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) adv_escaped("the setuid-root payload gained privileges");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) adv_held("the setuid-root payload ran without privileges");
  return adv_finish();
}
