/* Renames the host: sethostname and setdomainname. */
#include "adv.h"

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_attempt("sethostname", sethostname(argv[1], strlen(argv[1])));
  adv_attempt("setdomainname", setdomainname(argv[1], strlen(argv[1])));
  char name[256] = "";
  gethostname(name, sizeof name);
  adv_info("hostname: %s", name);
  return adv_finish();
}
