/* Raw and exotic sockets: AF_PACKET (sniff the host's traffic), netlink
 * (configure the network), raw IP. */
#include "adv.h"

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_attempt("socket(AF_PACKET, SOCK_RAW)", socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  adv_attempt("socket(AF_NETLINK, NETLINK_ROUTE)", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  adv_attempt("socket(AF_INET, SOCK_RAW)", socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
  return adv_finish();
}
