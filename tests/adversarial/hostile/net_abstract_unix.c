/* Connects to an abstract Unix socket the suite listens on in the host. */
#include "adv.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "ABSTRACT_NAME");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  size_t n = strlen(argv[2]);
  if (n > sizeof a.sun_path - 2) n = sizeof a.sun_path - 2;
  memcpy(a.sun_path + 1, argv[2], n);
  if (connect(s, (struct sockaddr*)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
    adv_blocked("connect to the host's abstract socket", errno);
  } else {
    ssize_t w = send(s, "PWNED\n", 6, MSG_NOSIGNAL);
    adv_escaped("connected to the host's abstract socket @%s and sent %zd bytes", argv[2], w);
  }
  close(s);
  return adv_finish();
}
