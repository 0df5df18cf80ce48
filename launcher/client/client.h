// A small synchronous client for the cordond protocol v1 (launcher/PROTOCOL.md):
// newline-delimited JSON objects over a Unix stream socket.
//
// Errors are values: calls that can fail return bool / std::optional and fill
// an error string. No exception leaves this API.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cordon::client {

// $CORDON_SOCKET if set and not empty, else "/run/cordon/cordond.sock".
std::string default_socket_path();

inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{64} << 20;  // 64 MiB

// Gets every "event" line (no "ok" field) that carries the request's id.
using EventCallback = std::function<void(const nlohmann::json&)>;

class Connection {
 public:
  // Connects to the Unix stream socket at `path`. On failure returns nullopt
  // and sets `err` to a message that names the path.
  static std::optional<Connection> open(const std::string& path, std::string& err);

  // Takes ownership of a connected stream socket (e.g. one end of a socketpair).
  explicit Connection(int fd);
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Writes `msg` as one line. Fails on strings that are not valid UTF-8 and
  // on a closed socket (never raises SIGPIPE). After a write error every later
  // send fails, but lines already sent by the peer can still be received.
  bool send(const nlohmann::json& msg, std::string& err);

  // Reads the next line and parses it as a JSON object. timeout_ms < 0 waits
  // without limit; 0 only takes what is already readable. On a timeout the
  // connection stays usable. A line that is not a JSON object is consumed and
  // reported as an error; the next line can still be read. A line longer than
  // max_line_bytes(), end of stream and read errors break the connection
  // (broken()): every later receive fails with the same error.
  std::optional<nlohmann::json> receive(int timeout_ms, std::string& err);

  // Sends `req` with a fresh integer "id" (replacing any id it has) and
  // returns the first line with that id and an "ok" field. Lines with that id
  // and an "event" field go to `on_event`; lines for other ids are skipped.
  // As this client has one request in flight at a time, an error response
  // with a null id (the daemon could not read the id) is the answer too.
  // timeout_ms (< 0: no limit) bounds the whole wait for the answer.
  std::optional<nlohmann::json> request(nlohmann::json req, std::string& err, const EventCallback& on_event = {},
                                        int timeout_ms = -1);

  std::size_t max_line_bytes() const { return max_line_bytes_; }
  void set_max_line_bytes(std::size_t n) { max_line_bytes_ = n; }
  bool broken() const { return !read_error_.empty(); }
  int fd() const { return fd_; }

 private:
  enum class Fill { Progress, Timeout, Failed };
  using Clock = std::chrono::steady_clock;

  std::optional<nlohmann::json> receive_until(int total_ms, Clock::time_point end, std::string& err);
  std::optional<std::string> take_line(std::string& err);
  Fill fill(int wait_ms, std::string& err);
  void mark_broken(std::string message, std::string& err);
  std::optional<nlohmann::json> answer_after_send_failure(const nlohmann::json& id);

  int fd_ = -1;
  std::string buf_;               // bytes read; buf_[head_, end) not yet returned
  std::size_t head_ = 0;
  std::size_t scanned_ = 0;       // buf_[head_, scanned_) holds no '\n'
  std::size_t max_line_bytes_ = kDefaultMaxLineBytes;
  std::int64_t next_id_ = 1;
  std::string read_error_;        // set once no more lines can be read
  std::string write_error_;       // set once no more lines can be sent
};

}  // namespace cordon::client
