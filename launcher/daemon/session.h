// One client connection: reads newline-delimited JSON with a line cap and
// an idle timeout for half-written lines, writes responses in order with a
// bound on unsent bytes. Lives on the loop thread.
#pragma once

#include <utility>  // before Boost 1.74 asio: its awaitable.hpp uses std::exchange
#include <boost/asio.hpp>

#include <deque>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/policy.h"

namespace cordon::daemon {

class Server;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::local::stream_protocol::socket sock, Server& server, Peer peer);
  void start();
  void send(const nlohmann::json& msg);
  // Sends what is queued, then closes.
  void send_and_close(const nlohmann::json& msg);
  void close();
  bool closed() const { return closed_; }
  const Peer& peer() const { return peer_; }
  std::set<std::string>& calls() { return calls_; }

 private:
  void read();
  void on_data(std::size_t n);
  void arm_idle_timer();
  void write_next();

  boost::asio::local::stream_protocol::socket sock_;
  boost::asio::steady_timer idle_;
  Server& server_;
  Peer peer_;
  std::string inbuf_;
  char chunk_[65536];
  std::deque<std::string> outq_;
  std::size_t out_bytes_ = 0;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  std::set<std::string> calls_;  // running call ids started by this session
};

// Reads SO_PEERCRED and SO_PEERGROUPS of a connected Unix socket.
Peer peer_of(int fd);

}  // namespace cordon::daemon
