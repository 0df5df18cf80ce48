// spawner_main(): the spawner process (spawner_loop.h). Async-signal-safe.
#include "child/spawner_loop.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child/clone_args.h"
#include "child/fd_passing.h"
#include "child/spec_wire.h"

namespace cordon::child {
namespace {

// The fixed-size request, with the descriptors that come with its first
// byte. False on EOF, error or a truncated control message.
bool read_request(int sock, SpawnRequest& req, Received& got) {
  ssize_t n = recv_with_fds(sock, &req, sizeof req, kSpawnFds, got, MSG_WAITALL);
  return n == static_cast<ssize_t>(sizeof req) && !got.truncated;
}

void reply(int sock, long pid, int err, int pidfd) {
  SpawnReply r;
  r.pid = pid;
  r.err = err;
  if (send_with_fds(sock, &r, sizeof r, &pidfd, pidfd >= 0 ? 1 : 0) != static_cast<ssize_t>(sizeof r))
    _exit(0);  // the launcher is gone
}

}  // namespace

void spawner_main(int sock) {
  // Only the launcher's socket stays open (and 0-2, for diagnostics).
  if (sock != 3) {
    if (dup2(sock, 3) < 0) _exit(1);
    sock = 3;
  }
  (void)syscall(SYS_close_range, 4u, ~0u, 0u);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  (void)sigprocmask(SIG_SETMASK, &none, nullptr);
  (void)prctl(PR_SET_NAME, "cordon-spawner", 0, 0, 0);

  const SpawnerHello hello;
  if (!send_all(sock, &hello, sizeof hello)) _exit(0);

  void* mem = mmap(nullptr, kMaxWireSpec, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) _exit(1);
  char* buf = static_cast<char*>(mem);

  for (;;) {
    SpawnRequest req;
    Received got;
    if (!read_request(sock, req, got) || req.magic != kSpawnMagic || (req.nfds != 4 && req.nfds != 5) ||
        got.nfds != static_cast<int>(req.nfds) || req.bytes > kMaxWireSpec || !recv_all(sock, buf, req.bytes)) {
      got.close_all();
      _exit(0);  // EOF, or the stream is out of step: the launcher sees EOF
    }
    const int* fds = got.fds;
    const int nfds = got.nfds;
    ChildSpec* spec = unflatten_spec(buf, req.bytes);
    if (!spec) {
      got.close_all();
      explicit_bzero(buf, req.bytes);
      reply(sock, -1, EINVAL, -1);
      continue;
    }
    spec->status_fd = fds[0];
    spec->sync_fd = fds[1];
    spec->stdout_fd = fds[2];
    spec->stderr_fd = fds[3];
    spec->stdin_fd = nfds == 5 ? fds[4] : -1;

    int pidfd = -1;
    CloneArgs ca{};
    ca.flags = req.clone_flags | kClonePidfd | kCloneParent;
    ca.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    ca.exit_signal = 0;  // with CLONE_PARENT the launcher gets our exit signal (SIGCHLD)
    long pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) run_child(*spec);  // never returns
    int err = pid < 0 ? errno : 0;
    got.close_all();
    // The child has its own copy; ours must not keep secrets (file
    // contents, variables) around until the next request.
    explicit_bzero(buf, req.bytes);
    reply(sock, pid, err, pidfd);
    if (pidfd >= 0) close(pidfd);
  }
}

}  // namespace cordon::child
