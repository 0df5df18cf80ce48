/* Shared helpers for the hostile programs of the adversarial suite.
 *
 * Every program is started as  /work/tool MARKER [ARGS...]  and tries one
 * escape or abuse class. Output protocol (stdout, one line each):
 *   try: WHAT                      before an attempt that may get it killed
 *   blocked: WHAT: errno=N (NAME)  an attempt failed inside the sandbox
 *   held: WHAT                     a check found the control in place
 *   info: ...                      context for humans
 *   ESCAPED: WHAT                  the attempt worked: containment failed
 *   RESULT: contained|ESCAPED      the last line, when the program ends
 * A seccomp kill ends the program before it prints anything further.
 * MARKER becomes the process name (comm) of the program and of everything it
 * forks, so the suite can find leftovers on the host, zombies included. */
#ifndef CORDON_ADV_H
#define CORDON_ADV_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int adv_escapes;

static inline void adv_start(int argc, char** argv, int nargs, const char* usage) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 + nargs) {
    fprintf(stderr, "usage: %s MARKER %s\n", argv[0], usage);
    exit(2);
  }
  (void)prctl(PR_SET_NAME, (unsigned long)argv[1], 0, 0, 0);
}

static inline const char* adv_errname(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : "?";
}

static inline void adv_try(const char* what) {
  printf("try: %s\n", what);
  fflush(stdout);
}

static inline void adv_blocked(const char* what, int err) {
  printf("blocked: %s: errno=%d (%s)\n", what, err, adv_errname(err));
}

__attribute__((format(printf, 1, 2))) static inline void adv_escaped(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ++adv_escapes;
  fputs("ESCAPED: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

__attribute__((format(printf, 1, 2))) static inline void adv_held(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("held: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
}

__attribute__((format(printf, 1, 2))) static inline void adv_info(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("info: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
}

/* An attempt whose failure is reported through errno (rc < 0). */
static inline long adv_attempt(const char* what, long rc) {
  if (rc < 0) {
    adv_blocked(what, errno);
  } else {
    adv_escaped("%s (returned %ld)", what, rc);
  }
  return rc;
}

/* Tries to read a file that must be out of reach; escapes if it can. */
static inline void adv_read_forbidden(const char* what, const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    adv_blocked(what, errno);
    return;
  }
  char buf[200];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  for (ssize_t i = 0; i < n; ++i)
    if (buf[i] == '\n') buf[i] = ' ';
  close(fd);
  adv_escaped("%s: opened %s, read %zd bytes: %s", what, path, n, buf);
}

/* Opens a file for writing that must not be writable; never writes to it. */
static inline int adv_open_write_forbidden(const char* what, const char* path, int flags) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0666);
  if (fd < 0) {
    adv_blocked(what, errno);
    return -1;
  }
  adv_escaped("%s: opened %s for writing", what, path);
  return fd;
}

static inline int adv_finish(void) {
  printf("RESULT: %s\n", adv_escapes ? "ESCAPED" : "contained");
  fflush(stdout);
  return 0;
}

#endif
