/* Not an attack: the payload cap_setuid_workspace executes. The suite
 * installs it in the workspace as root-owned, mode 4755. Exits 3 if it runs
 * with more privileges than its caller (euid or saved uid 0, or different
 * from the real uid), 0 otherwise. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int main(void) {
  uid_t r, e, s;
  if (getresuid(&r, &e, &s) < 0) return 4;
  printf("info: setuid payload uid %d euid %d suid %d\n", (int)r, (int)e, (int)s);
  if (e == 0 || s == 0 || e != r) {
    printf("ESCAPED: setuid payload runs with euid %d\n", (int)e);
    return 3;
  }
  return 0;
}
