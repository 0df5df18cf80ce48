/* Sends a datagram to a UDP socket the suite bound on the host's 127.0.0.1
 * and waits for the port-unreachable answer of its own loopback. */
#include "adv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "PORT");
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    adv_blocked("socket(AF_INET, SOCK_DGRAM)", errno);
    return adv_finish();
  }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(argv[2]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr*)&a, sizeof a) < 0) {
    adv_blocked("connect udp", errno);
    return adv_finish();
  }
  for (int i = 0; i < 3; ++i) {
    if (send(s, "PWNED\n", 6, 0) < 0) {
      adv_blocked("udp send to host port", errno);
      return adv_finish();
    }
    adv_info("datagram %d sent", i);
    struct pollfd p = {s, POLLIN, 0};
    (void)poll(&p, 1, 50);
  }
  char buf[16];
  if (recv(s, buf, sizeof buf, MSG_DONTWAIT) < 0) adv_blocked("udp exchange with host port", errno);
  return adv_finish();
}
