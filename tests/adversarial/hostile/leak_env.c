/* Dumps its environment and init's, looking for a variable the launcher has
 * in its own environment. */
#include "adv.h"

extern char** environ;

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "VAR_NAME");
  for (char** e = environ; *e; ++e) printf("env: %s\n", *e);
  const char* v = getenv(argv[2]);
  if (v) {
    adv_escaped("%s=%s reached the tool", argv[2], v);
  } else {
    adv_held("%s is not set", argv[2]);
  }
  adv_read_forbidden("read /proc/1/environ", "/proc/1/environ");
  return adv_finish();
}
