/* Connects to a TCP listener the suite opened on the host's 127.0.0.1 and
 * sends bytes to it. */
#include "adv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "PORT");
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    adv_blocked("socket(AF_INET)", errno);
    return adv_finish();
  }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(argv[2]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr*)&a, sizeof a) < 0) {
    adv_blocked("connect to host 127.0.0.1 listener", errno);
  } else {
    ssize_t n = send(s, "PWNED\n", 6, MSG_NOSIGNAL);
    adv_escaped("connected to the host's 127.0.0.1:%s and sent %zd bytes", argv[2], n);
  }
  close(s);
  return adv_finish();
}
