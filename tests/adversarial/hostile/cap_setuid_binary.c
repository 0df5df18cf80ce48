/* Executes the system's setuid-root binaries (su, passwd) and watches the
 * effective uid they get from /proc/PID/status while they wait for a
 * password on a pipe. */
#include "adv.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static void sleep_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static void try_binary(const char* path) {
  struct stat sb;
  if (stat(path, &sb) < 0) {
    adv_info("%s: %s", path, strerror(errno));
    return;
  }
  adv_info("%s: mode %o owner %d", path, (unsigned)sb.st_mode & 07777, (int)sb.st_uid);
  int in[2];
  if (pipe(in) < 0) return;
  pid_t child = fork();
  if (child == 0) {
    dup2(in[0], 0);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    char* args[] = {(char*)path, NULL};
    char* env[] = {NULL};
    execve(path, args, env);
    _exit(126);
  }
  close(in[0]);
  int seen = 0;
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    char spath[64];
    snprintf(spath, sizeof spath, "/proc/%d/status", (int)child);
    FILE* f = fopen(spath, "r");
    char line[256];
    char name[64] = "";
    int ruid = -1, euid = -1, suid = -1, fsuid = -1;
    while (f && fgets(line, sizeof line, f)) {
      if (strncmp(line, "Name:", 5) == 0) sscanf(line + 5, "%63s", name);
      if (strncmp(line, "Uid:", 4) == 0) sscanf(line + 4, "%d %d %d %d", &ruid, &euid, &suid, &fsuid);
    }
    if (f) fclose(f);
    if (euid >= 0 && strcmp(name, "tool") != 0 && name[0] != '\0' && strncmp(name, "cadv", 4) != 0) {
      seen = 1;
      if (euid != (int)getuid() || suid != (int)getuid()) {
        adv_escaped("%s runs with uid %d euid %d suid %d", path, ruid, euid, suid);
      } else {
        adv_held("%s runs as %s with uid %d euid %d suid %d (no privilege gained)", path, name, ruid, euid, suid);
      }
      break;
    }
    if (waitpid(child, &status, WNOHANG) == child) {
      child = -1;
      break;
    }
    sleep_ms(5);
  }
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  close(in[1]);
  if (!seen) adv_info("%s: exited before its credentials were seen (status %d)", path, status);
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  try_binary("/usr/bin/su");
  try_binary("/usr/bin/passwd");
  return adv_finish();
}
