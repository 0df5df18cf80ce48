/* Reads a host file outside every mount by its absolute host path. */
#include "adv.h"

#include <sys/stat.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_SECRET_PATH");
  const char* secret = argv[2];
  adv_read_forbidden("read host secret by absolute path", secret);
  struct stat sb;
  adv_attempt("stat host secret", stat(secret, &sb));
  return adv_finish();
}
