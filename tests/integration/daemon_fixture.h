// A real cordond in a temporary directory, and clients that connect as
// given uids (the peer credentials are fixed at connect time).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox_fixture.h"

namespace cordon::test {

inline constexpr uid_t kAlice = 2001;
inline constexpr uid_t kBob = 2002;
inline constexpr uid_t kStranger = 2003;

class Client {
 public:
  explicit Client(int fd) : fd_(fd) {}
  ~Client();
  Client(Client&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)), unclaimed_(std::move(o.unclaimed_)) { o.fd_ = -1; }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool send_raw(const std::string& bytes);
  bool send(const nlohmann::json& j) { return send_raw(j.dump() + "\n"); }
  // Next line, or nullopt on EOF / timeout.
  std::optional<nlohmann::json> next(int timeout_ms = 10000);
  // Next line with this id and an "ok" field (events are skipped).
  std::optional<nlohmann::json> response(const nlohmann::json& id, int timeout_ms = 20000);
  // Sends and waits for the response.
  std::optional<nlohmann::json> call(nlohmann::json req, int timeout_ms = 20000);
  bool closed_by_peer(int timeout_ms = 5000);
  void close_now();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buf_;
  std::vector<nlohmann::json> unclaimed_;  // responses read while waiting for another id
  int next_id_ = 1000;
};

struct DaemonOptions {
  unsigned max_running = 4;
  unsigned max_queued = 8;
  unsigned max_connections = 64;
  unsigned tenant_max_running = 2;
  unsigned tenant_max_queued = 2;
  unsigned idle_timeout_ms = 400;
  unsigned max_line_bytes = 65536;
  unsigned shutdown_grace_ms = 300;
  // A secret store (secrets_dir/<tenant>/<name>) and a profile "secret-tool"
  // (sh) granting gh_token as $GH_TOKEN and db_pass as /run/secrets/db_pass.
  bool secrets = false;
  // The audit log at dir()/audit/audit.log (durability fsync_each).
  bool audit = true;
  // "warm_pool": {"profiles": {"sh": N}} when N > 0.
  unsigned warm_sh = 0;
  // $CORDOND_FAULT_INJECTION: request lines containing it throw in the daemon.
  std::string fault_marker = "";
  // $GLIBC_TUNABLES for cordond, when not empty.
  std::string glibc_tunables = "";
};

inline const std::string kAliceToken = "ghp_A1iceT0kenQw3Zt7Vb1Nm4Hc6Jd0Fs5Ga2Pe";
inline const std::string kAliceDb = "alice-Db-pass/Secret+42";
inline const std::string kBobToken = "ghp_B0bT0kenXy9Lk2Qw3Zt7Vb1Nm4Hc6Jd0Fs5G";
inline const std::string kBobDb = "bob-Db-pass/Other+99";

class Daemon {
 public:
  explicit Daemon(DaemonOptions o = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  bool started() const { return pid_ > 0 && ready_; }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }
  const std::string& dir() const { return dir_.path(); }
  std::string alice_root() const { return dir_.path() + "/ws/alice"; }
  std::string bob_root() const { return dir_.path() + "/ws/bob"; }
  std::string profile_dir() const { return dir_.path() + "/profiles"; }
  std::string secrets_dir() const { return dir_.path() + "/secrets"; }
  std::string audit_path() const { return dir_.path() + "/audit/audit.log"; }
  std::string log() const;

  // A connection whose peer uid is `uid` (root: 0 = admin).
  Client connect_as(uid_t uid) const;
  // Waits for the daemon to exit; returns its exit status (-1 on timeout).
  int wait_exit(int timeout_ms);

 private:
  TempDir dir_;
  std::string socket_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace cordon::test
