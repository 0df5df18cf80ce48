#include "daemon/session.h"

#include <sys/socket.h>

#include "daemon/server.h"

namespace cordon::daemon {
namespace {

// A client that does not read its responses may hold at most this much.
constexpr std::size_t kMaxUnsentBytes = 64u << 20;

}  // namespace

Peer peer_of(int fd) {
  Peer p;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    p.uid = cred.uid;
    p.gid = cred.gid;
    p.pid = cred.pid;
  } else {
    p.uid = static_cast<uid_t>(-1);
    p.gid = static_cast<gid_t>(-1);
  }
  std::vector<gid_t> groups(64);
  socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) != 0 && errno == ERANGE) {
    groups.resize(glen / sizeof(gid_t));
    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen);
  }
  groups.resize(glen / sizeof(gid_t));
  p.groups = std::move(groups);
  return p;
}

Session::Session(boost::asio::local::stream_protocol::socket sock, Server& server, Peer peer)
    : sock_(std::move(sock)), idle_(sock_.get_executor()), server_(server), peer_(std::move(peer)) {}

void Session::start() { read(); }

void Session::read() {
  if (closed_) return;
  auto self = shared_from_this();
  sock_.async_read_some(boost::asio::buffer(chunk_), [self](const boost::system::error_code& ec, std::size_t n) {
    if (ec) {
      self->close();
      return;
    }
    self->on_data(n);
  });
}

void Session::on_data(std::size_t n) {
  inbuf_.append(chunk_, n);
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = inbuf_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string line = inbuf_.substr(start, nl - start);
    start = nl + 1;
    if (line.size() > server_.config().max_line_bytes) {
      send_and_close({{"id", nullptr}, {"ok", false},
                      {"error", {{"code", "too_large"}, {"message", "line longer than " + std::to_string(server_.config().max_line_bytes) + " bytes"}}}});
      return;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) server_.handle_line(shared_from_this(), line);
    if (closed_) return;
  }
  inbuf_.erase(0, start);
  if (inbuf_.size() > server_.config().max_line_bytes) {
    send_and_close({{"id", nullptr}, {"ok", false},
                    {"error", {{"code", "too_large"}, {"message", "line longer than " + std::to_string(server_.config().max_line_bytes) + " bytes"}}}});
    return;
  }
  arm_idle_timer();
  read();
}

void Session::arm_idle_timer() {
  if (inbuf_.empty()) {
    idle_.cancel();
    return;
  }
  idle_.expires_after(std::chrono::milliseconds(server_.config().idle_timeout_ms));
  std::weak_ptr<Session> weak = shared_from_this();
  idle_.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_ || self->inbuf_.empty()) return;
    self->send_and_close({{"id", nullptr}, {"ok", false},
                          {"error", {{"code", "bad_request"}, {"message", "incomplete line: timed out"}}}});
  });
}

void Session::send(const nlohmann::json& msg) {
  if (closed_ || close_after_write_) return;
  std::string line = msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  out_bytes_ += line.size();
  outq_.push_back(std::move(line));
  if (out_bytes_ > kMaxUnsentBytes) {
    close();  // the client does not read
    return;
  }
  write_next();
}

void Session::send_and_close(const nlohmann::json& msg) {
  send(msg);
  close_after_write_ = true;
  if (!writing_) close();
}

void Session::write_next() {
  if (writing_ || closed_) return;
  if (outq_.empty()) {
    if (close_after_write_) close();
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  boost::asio::async_write(sock_, boost::asio::buffer(outq_.front()),
                           [self](const boost::system::error_code& ec, std::size_t) {
                             self->writing_ = false;
                             if (ec) {
                               self->close();
                               return;
                             }
                             self->out_bytes_ -= self->outq_.front().size();
                             self->outq_.pop_front();
                             self->write_next();
                           });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  idle_.cancel();
  sock_.shutdown(boost::asio::socket_base::shutdown_both, ignored);
  sock_.close(ignored);
  outq_.clear();
  server_.session_closed(this);
}

}  // namespace cordon::daemon
