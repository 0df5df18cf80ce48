/* Looks for network interfaces beyond loopback and connects to outside
 * addresses (TEST-NET-1 and a public resolver). */
#include "adv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void try_connect(const char* what, const char* ip, int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  if (connect(s, (struct sockaddr*)&a, sizeof a) < 0 && errno != EINPROGRESS) {
    adv_blocked(what, errno);
  } else {
    adv_escaped("%s: a route to %s exists", what, ip);
  }
  close(s);
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  FILE* f = fopen("/proc/net/dev", "r");
  char line[512];
  int lineno = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (++lineno <= 2) continue;
    char* name = line;
    while (*name == ' ') ++name;
    char* colon = strchr(name, ':');
    if (colon) *colon = '\0';
    if (strcmp(name, "lo") == 0) {
      adv_held("interface lo");
    } else {
      adv_escaped("host interface %s is visible", name);
    }
  }
  if (f) fclose(f);
  try_connect("connect to 192.0.2.1:80", "192.0.2.1", 80);
  try_connect("connect to 1.1.1.1:53", "1.1.1.1", 53);
  return adv_finish();
}
