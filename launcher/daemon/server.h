// cordond's Unix-socket server: protocol v1 (launcher/PROTOCOL.md) on one
// Boost.Asio event loop. Sessions, requests, access checks and responses
// live on the loop thread; calls run on the CallManager's workers and post
// their events and results back to the loop.
#pragma once

#include <chrono>
#include <utility>  // before Boost 1.74 asio: its awaitable.hpp uses std::exchange
#include <boost/asio.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cordon/audit.h"
#include "cordon/host.h"
#include "cordon/secrets.h"
#include "cordon/spawner.h"
#include "cordon/warm_pool.h"
#include "daemon/call_manager.h"
#include "daemon/config.h"
#include "daemon/policy.h"
#include "daemon/profile_set.h"
#include "daemon/protocol.h"
#include "daemon/scorecard.h"

namespace cordon::daemon {

class Session;

struct Stats {
  std::uint64_t calls_total = 0;
  std::map<std::string, std::uint64_t> by_outcome;
  std::map<std::string, std::uint64_t> refused;  // error code -> count
};

class Server {
 public:
  // `spawner` (may be null: clone in this process) makes the sandboxes'
  // clones (cordon/spawner.h).
  Server(boost::asio::io_context& io, DaemonConfig config, Policy policy, std::shared_ptr<const ProfileSet> profiles,
         HostInfo host, std::shared_ptr<Spawner> spawner = nullptr);
  ~Server();

  // Takes the lock file, binds and starts accepting. False with `err`.
  bool start(std::string& err);
  // Socket activation: serves `listen_fd`, an already-listening socket the
  // service manager bound. Takes the fd; the socket file is not ours, so it
  // is never unlinked, chmod-ed or locked. False with `err`.
  bool start_on_listener(int listen_fd, std::string& err);
  // SIGTERM: stop accepting, let running calls finish within the grace
  // period, kill the rest, then stop the loop.
  void shutdown();
  // SIGHUP or the reload op: returns the errors (empty on success).
  std::vector<std::string> reload();

  // Used by sessions (loop thread only).
  // Never throws: an unexpected failure answers `internal` to that request.
  void handle_line(const std::shared_ptr<Session>& s, const std::string& line);
  void session_closed(Session* s);
  const DaemonConfig& config() const { return config_; }

 private:
  void dispatch_line(const std::shared_ptr<Session>& s, const std::string& line);
  struct PendingKill {
    std::weak_ptr<Session> session;
    nlohmann::json id;
    std::set<std::string> waiting;
    nlohmann::json killed = nlohmann::json::array();
    Peer peer;
    nlohmann::ordered_json request;
  };

  void accept();
  void reply_error(const std::shared_ptr<Session>& s, const nlohmann::json& id, const std::string& code,
                   const std::string& message);
  void op_run(const std::shared_ptr<Session>& s, const nlohmann::json& id, const RunRequest& req);
  void op_ps(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_kill(const std::shared_ptr<Session>& s, const nlohmann::json& id, const KillRequest& req);
  void op_tools(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_stats(const std::shared_ptr<Session>& s, const nlohmann::json& id, const StatsRequest& req);
  void op_health(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_reload(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void call_finished(const std::string& call_id, const std::string& tenant, Result r);
  void arm_idle_trim();
  void check_stopped();
  bool load_secrets(std::string& err);
  bool open_audit(std::string& err);
  // Appends an operator event to the audit log (loop thread); failures are
  // logged and counted, never fatal to the request.
  void audit_event(const std::string& kind, const Peer* who, nlohmann::ordered_json fields);

  boost::asio::io_context& io_;
  DaemonConfig config_;
  Policy policy_;
  std::shared_ptr<const ProfileSet> profiles_;
  std::shared_ptr<const SecretStore> secrets_ = SecretStore::empty();
  FingerprintKey fingerprint_key_ = random_fingerprint_key();
  HostInfo host_;
  std::unique_ptr<AuditWriter> audit_;  // null when no audit path is configured
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer idle_trim_timer_;
  std::shared_ptr<Spawner> spawner_;  // may be null
  bool spawner_loss_logged_ = false;
  std::chrono::steady_clock::time_point last_spawner_restart_{};
  std::unique_ptr<WarmPool> pool_;  // null when no profile is pooled; outlives calls_
  CallManager calls_;
  std::set<Session*> sessions_;
  std::map<std::string, std::weak_ptr<Session>> call_owner_;
  std::map<std::string, std::string> call_tenant_;
  std::vector<PendingKill> pending_kills_;
  Stats stats_;
  Scorecard scorecard_;
  std::map<std::string, Stats> tenant_stats_;
  std::uint64_t next_call_ = 1;
  int lock_fd_ = -1;
  bool owns_socket_file_ = false;  // start() bound it: shutdown() unlinks it
  bool shutting_down_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point shutdown_deadline_;
};

}  // namespace cordon::daemon
