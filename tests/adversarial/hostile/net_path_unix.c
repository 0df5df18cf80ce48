/* Connects to a Unix socket the suite listens on at a host path. */
#include "adv.h"

#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "SOCKET_PATH");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[2]);
  if (connect(s, (struct sockaddr*)&a, sizeof a) < 0) {
    adv_blocked("connect to the host's path socket", errno);
  } else {
    ssize_t w = send(s, "PWNED\n", 6, MSG_NOSIGNAL);
    adv_escaped("connected to the host's socket %s and sent %zd bytes", argv[2], w);
  }
  close(s);
  return adv_finish();
}
