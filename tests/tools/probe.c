/* cordon-probe: a hostile test tool. Each subcommand tries one thing a
 * contained tool must not be able to do (or reports what it can see) and
 * prints "<name>: ok" if the attempt succeeded, "<name>: errno=N (text)"
 * if it failed inside the sandbox. A seccomp kill never prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int report(const char* name, long rc) {
  if (rc < 0) {
    printf("%s: errno=%d (%s)\n", name, errno, strerror(errno));
  } else {
    printf("%s: ok\n", name);
  }
  fflush(stdout);
  return 0;
}

static long i386_getpid(void) {
  long ret;
  /* int 0x80 with eax=20 (getpid on i386): a foreign-architecture syscall. */
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
  return ret;
}

static int cmd_fork_tree(int n) {
  for (int i = 0; i < n; ++i) {
    pid_t p = fork();
    if (p == 0) {
      for (;;) pause();
    }
    if (p < 0) break;
  }
  printf("fork_tree: started\n");
  fflush(stdout);
  for (;;) pause();
  return 0;
}

static int cmd_abstract_connect(const char* name) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  size_t n = strlen(name);
  if (n > sizeof a.sun_path - 2) n = sizeof a.sun_path - 2;
  memcpy(a.sun_path + 1, name, n);
  return report("abstract_connect", connect(s, (struct sockaddr*)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
}

static int cmd_tcp_connect(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return report("tcp_connect", connect(s, (struct sockaddr*)&a, sizeof a));
}

static int cmd_fds(void) {
  for (int fd = 0; fd < 1024; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) printf("fd %d\n", fd);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cordon-probe COMMAND [ARG]\n");
    return 2;
  }
  const char* c = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  if (!strcmp(c, "i386")) return report("i386", i386_getpid());
  if (!strcmp(c, "x32")) return report("x32", syscall(0x40000000 | 39));
  if (!strcmp(c, "tiocsti")) return report("tiocsti", ioctl(0, TIOCSTI, "x"));
  if (!strcmp(c, "tiocsti_high")) return report("tiocsti_high", syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, "x"));
  if (!strcmp(c, "ptrace")) return report("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0));
  if (!strcmp(c, "io_uring")) return report("io_uring", syscall(425, 8, calloc(1, 256)));
  if (!strcmp(c, "unshare")) return report("unshare", unshare(CLONE_NEWUSER));
  if (!strcmp(c, "clone_ns")) {
    long p = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (p == 0) _exit(0);
    if (p > 0) waitpid((pid_t)p, NULL, 0);
    return report("clone_ns", p);
  }
  if (!strcmp(c, "clone3")) {
    uint64_t args[11] = {0};
    args[4] = SIGCHLD;
    long p = syscall(435, args, sizeof args);
    if (p == 0) _exit(0);
    if (p > 0) waitpid((pid_t)p, NULL, 0);
    return report("clone3", p);
  }
  if (!strcmp(c, "fork")) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p > 0) waitpid(p, NULL, 0);
    return report("fork", p);
  }
  if (!strcmp(c, "mount")) return report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  if (!strcmp(c, "bpf")) return report("bpf", syscall(SYS_bpf, 0, NULL, 0));
  if (!strcmp(c, "perf")) {
    struct perf_event_attr pa;
    memset(&pa, 0, sizeof pa);
    pa.size = sizeof pa;
    return report("perf", syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0));
  }
  if (!strcmp(c, "userfaultfd")) return report("userfaultfd", syscall(SYS_userfaultfd, 0));
  if (!strcmp(c, "keyctl")) return report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  if (!strcmp(c, "personality")) return report("personality", personality(ADDR_NO_RANDOMIZE));
  if (!strcmp(c, "personality_query")) return report("personality_query", personality(0xffffffff));
  if (!strcmp(c, "settime")) {
    struct timespec ts = {1, 0};
    return report("settime", clock_settime(CLOCK_REALTIME, &ts));
  }
  if (!strcmp(c, "socket_packet")) return report("socket_packet", socket(AF_PACKET, SOCK_RAW, 0));
  if (!strcmp(c, "socket_vsock")) return report("socket_vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
  if (!strcmp(c, "socket_high")) return report("socket_high", syscall(SYS_socket, (1UL << 32) | AF_UNIX, SOCK_STREAM, 0));
  if (!strcmp(c, "deny_flood")) {
    for (long i = 0; i < 1000000; ++i) socket(AF_PACKET, SOCK_RAW, 0);
    return report("deny_flood", 0);
  }
  if (!strcmp(c, "socket_unix")) return report("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
  if (!strcmp(c, "fds")) return cmd_fds();
  if (!strcmp(c, "abstract_connect")) return cmd_abstract_connect(arg);
  if (!strcmp(c, "tcp_connect")) return cmd_tcp_connect(atoi(arg));
  if (!strcmp(c, "kill")) return report("kill", kill(atoi(arg), 0));
  if (!strcmp(c, "setuid0")) return report("setuid0", setuid(0));
  if (!strcmp(c, "fork_tree")) return cmd_fork_tree(atoi(arg));
  if (!strcmp(c, "ignore_term")) {
    signal(SIGTERM, SIG_IGN);
    printf("ignoring SIGTERM\n");
    fflush(stdout);
    for (;;) pause();
  }
  if (!strcmp(c, "spin")) {
    for (volatile unsigned long i = 0;; ++i) {
    }
  }
  if (!strcmp(c, "fsize")) {
    int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static char buf[1 << 16];
    for (;;) {
      if (write(fd, buf, sizeof buf) < 0) return report("fsize", -1);
    }
  }
  fprintf(stderr, "unknown command %s\n", c);
  return 2;
}
