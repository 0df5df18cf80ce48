// cordond's Unix-socket server: protocol v1 (launcher/PROTOCOL.md) on one
// Boost.Asio event loop. Sessions, requests, access checks and responses
// live on the loop thread; calls run on the CallManager's workers and post
// their events and results back to the loop.
#pragma once

#include <utility>  // before Boost 1.74 asio: its awaitable.hpp uses std::exchange
#include <boost/asio.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cordon/host.h"
#include "daemon/call_manager.h"
#include "daemon/config.h"
#include "daemon/policy.h"
#include "daemon/profile_set.h"
#include "daemon/protocol.h"

namespace cordon::daemon {

class Session;

struct Stats {
  std::uint64_t calls_total = 0;
  std::map<std::string, std::uint64_t> by_outcome;
  std::map<std::string, std::uint64_t> refused;  // error code -> count
};

class Server {
 public:
  Server(boost::asio::io_context& io, DaemonConfig config, Policy policy, std::shared_ptr<const ProfileSet> profiles,
         HostInfo host);
  ~Server();

  // Takes the lock file, binds and starts accepting. False with `err`.
  bool start(std::string& err);
  // SIGTERM: stop accepting, let running calls finish within the grace
  // period, kill the rest, then stop the loop.
  void shutdown();
  // SIGHUP or the reload op: returns the errors (empty on success).
  std::vector<std::string> reload();

  // Used by sessions (loop thread only).
  void handle_line(const std::shared_ptr<Session>& s, const std::string& line);
  void session_closed(Session* s);
  const DaemonConfig& config() const { return config_; }

 private:
  struct PendingKill {
    std::weak_ptr<Session> session;
    nlohmann::json id;
    std::set<std::string> waiting;
    nlohmann::json killed = nlohmann::json::array();
  };

  void accept();
  void reply_error(const std::shared_ptr<Session>& s, const nlohmann::json& id, const std::string& code,
                   const std::string& message);
  void op_run(const std::shared_ptr<Session>& s, const nlohmann::json& id, const RunRequest& req);
  void op_ps(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_kill(const std::shared_ptr<Session>& s, const nlohmann::json& id, const KillRequest& req);
  void op_tools(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_stats(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_health(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void op_reload(const std::shared_ptr<Session>& s, const nlohmann::json& id);
  void call_finished(const std::string& call_id, const std::string& tenant, Result r);
  void check_stopped();

  boost::asio::io_context& io_;
  DaemonConfig config_;
  Policy policy_;
  std::shared_ptr<const ProfileSet> profiles_;
  HostInfo host_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer stop_timer_;
  CallManager calls_;
  std::set<Session*> sessions_;
  std::map<std::string, std::weak_ptr<Session>> call_owner_;
  std::map<std::string, std::string> call_tenant_;
  std::vector<PendingKill> pending_kills_;
  Stats stats_;
  std::map<std::string, Stats> tenant_stats_;
  std::uint64_t next_call_ = 1;
  int lock_fd_ = -1;
  bool shutting_down_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point shutdown_deadline_;
};

}  // namespace cordon::daemon
