/* cordon-ns-floor: the kernel's own cost of starting one sandboxed process,
 * with nothing else around it (issue #8's "raw kernel cost"). The benchmark
 * runs it like bwrap, one process per call:
 *
 *   cordon-ns-floor [--cgroup DIR]... -- /abs/path/tool [args...]
 *
 * It does, in one straight line, the kernel work every sandbox here pays
 * for: clone3 with new user, pid, mount, network, ipc and uts namespaces;
 * uid/gid maps; a private mount tree; a tmpfs root with /usr bound
 * read-only, the /bin, /lib, /lib64 symlinks, the loader cache, a fresh
 * /proc, /dev/null, /dev/zero, /dev/urandom and a /tmp; pivot_root and the
 * detach of the old root; a hostname; loopback up; no_new_privs; a small
 * seccomp filter; execve of the tool as pid 1. With --cgroup DIR (once per
 * hierarchy) the child also joins a fresh cgroup made under each DIR,
 * written by the parent to cgroup.procs while the child waits, which is
 * what a supervisor that enforces memory/pids limits must add.
 *
 * It is deliberately not a sandbox: no capability drop, no Landlock, no
 * rlimits, no supervisor. Exit status: the tool's, or 120+ on a failure
 * (the step is printed on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#define MAX_CGROUPS 8

static void die(const char* step) {
  fprintf(stderr, "cordon-ns-floor: %s: %s\n", step, strerror(errno));
  _exit(121);
}

static void write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die(path);
  close(fd);
}

static void touch(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die(path);
  close(fd);
}

static void bind_ro(const char* src, const char* dst) {
  if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) die(dst);
  if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) die(dst);
}

static void bind_dev(const char* name) {
  char src[64], dst[64];
  snprintf(src, sizeof src, "/dev/%s", name);
  snprintf(dst, sizeof dst, "dev/%s", name);
  touch(dst);
  if (mount(src, dst, NULL, MS_BIND, NULL) < 0) die(dst);
}

/* Kills the process on ptrace and on foreign-architecture calls; allows the
 * rest: the size of a small, tree-shaped profile filter's hot path. */
static void install_seccomp(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e /* AUDIT_ARCH_X86_64 */, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kexec_load, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) die("seccomp");
}

static void child(int sync_fd, char** tool) {
  char go;
  if (read(sync_fd, &go, 1) != 1) _exit(122);
  close(sync_fd);
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("mount_private");
  /* /tmp of the new mount namespace is the staging point; the host's /tmp
   * is not touched. */
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") < 0) die("root tmpfs");
  if (chdir("/tmp") < 0) die("chdir root");
  const char* dirs[] = {"usr", "etc", "proc", "dev", "tmp"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; ++i)
    if (mkdir(dirs[i], 0755) < 0) die(dirs[i]);
  bind_ro("/usr", "usr");
  if (symlink("usr/bin", "bin") < 0 || symlink("usr/lib", "lib") < 0 || symlink("usr/lib64", "lib64") < 0)
    die("symlinks");
  touch("etc/ld.so.cache");
  bind_ro("/etc/ld.so.cache", "etc/ld.so.cache");
  if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) die("proc");
  if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=0755,size=64k") < 0) die("dev tmpfs");
  bind_dev("null");
  bind_dev("zero");
  bind_dev("urandom");
  if (mount("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=16m") < 0) die("tmp");
  if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root");
  if (umount2(".", MNT_DETACH) < 0) die("detach old root");
  if (chdir("/") < 0) die("chdir /");
  if (sethostname("sandbox", 7) < 0) die("hostname");
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("loopback");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("loopback up");
  close(s);
  if (setsid() < 0) die("setsid");
  install_seccomp();
  execv(tool[0], tool);
  die("execve");
}

int main(int argc, char** argv) {
  const char* cgroup_parents[MAX_CGROUPS];
  int n_cgroups = 0, i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc && n_cgroups < MAX_CGROUPS) {
      cgroup_parents[n_cgroups++] = argv[++i];
    } else {
      fprintf(stderr, "usage: cordon-ns-floor [--cgroup DIR]... -- /abs/tool [args...]\n");
      return 2;
    }
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: cordon-ns-floor [--cgroup DIR]... -- /abs/tool [args...]\n");
    return 2;
  }
  char** tool = argv + i + 1;

  char cgroups[MAX_CGROUPS][4096];
  for (int k = 0; k < n_cgroups; ++k) {
    snprintf(cgroups[k], sizeof cgroups[k], "%s/ns-floor-%d", cgroup_parents[k], (int)getpid());
    if (mkdir(cgroups[k], 0755) < 0) die("cgroup mkdir");
  }

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  struct clone_args_v0 ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
  ca.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0) die("clone3");
  if (pid == 0) {
    close(sv[0]);
    child(sv[1], tool);
  }
  close(sv[1]);

  char path[64], map[64];
  snprintf(path, sizeof path, "/proc/%ld/setgroups", pid);
  write_file(path, "deny");
  snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
  snprintf(map, sizeof map, "0 %d 1\n", (int)geteuid());
  write_file(path, map);
  snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
  snprintf(map, sizeof map, "0 %d 1\n", (int)getegid());
  write_file(path, map);
  char pidtext[32];
  snprintf(pidtext, sizeof pidtext, "%ld", pid);
  for (int k = 0; k < n_cgroups; ++k) {
    char procs[sizeof cgroups[k] + 16];
    snprintf(procs, sizeof procs, "%.4000s/cgroup.procs", cgroups[k]);
    write_file(procs, pidtext);
  }
  if (write(sv[0], "g", 1) != 1) die("sync");

  int status = 0;
  if (waitpid((pid_t)pid, &status, 0) < 0) die("waitpid");
  for (int k = 0; k < n_cgroups; ++k) rmdir(cgroups[k]);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 120;
}
