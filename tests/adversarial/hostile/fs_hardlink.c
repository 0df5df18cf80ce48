/* Hard links: a host file into /tmp, a read-only workspace file into the
 * writable /tmp (then writing through the link), and a link inside the
 * read-only workspace. */
#include "adv.h"

static void try_link(const char* what, const char* from, const char* to) {
  if (link(from, to) < 0) {
    adv_blocked(what, errno);
    return;
  }
  int fd = open(to, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd >= 0 && write(fd, "PWNED\n", 6) == 6) {
    adv_escaped("%s: linked %s to %s and wrote through it", what, from, to);
  } else {
    adv_escaped("%s: linked %s to %s", what, from, to);
  }
  if (fd >= 0) close(fd);
}

int main(int argc, char** argv) {
  adv_start(argc, argv, 1, "HOST_SECRET_PATH");
  char to[256];
  snprintf(to, sizeof to, "/tmp/h1-%s", argv[1]);
  try_link("hard link host secret into /tmp", argv[2], to);
  snprintf(to, sizeof to, "/tmp/h2-%s", argv[1]);
  try_link("hard link workspace file into /tmp", "/work/victim.txt", to);
  snprintf(to, sizeof to, "/work/h3-%s", argv[1]);
  try_link("hard link inside read-only workspace", "/work/victim.txt", to);
  snprintf(to, sizeof to, "/tmp/h4-%s", argv[1]);
  try_link("hard link setuid binary into /tmp", "/usr/bin/passwd", to);
  return adv_finish();
}
