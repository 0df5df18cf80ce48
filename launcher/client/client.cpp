#include "client/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace cordon::client {
namespace {

using json = nlohmann::json;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kSendFailureGraceMs = 1000;  // to pick up the daemon's last word

std::string errno_text(int e) { return std::system_category().message(e); }

// Milliseconds left until `end` (rounded up), or -1 for "no limit".
int remaining_ms(int total_ms, std::chrono::steady_clock::time_point end) {
  if (total_ms < 0) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, total_ms));
}

std::chrono::steady_clock::time_point deadline_after(int timeout_ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
}

// A short, printable excerpt of a line for error messages.
std::string excerpt(const std::string& line) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (std::size_t i = 0; i < line.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  if (line.size() > kMax) out += "...";
  return out;
}

std::optional<json> parse_object(const std::string& line, std::string& err) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    err = "cordond sent a line that is not JSON: '" + excerpt(line) + "'";
    return std::nullopt;
  }
  if (!j.is_object()) {
    err = "cordond sent a JSON line that is not an object: '" + excerpt(line) + "'";
    return std::nullopt;
  }
  return j;
}

std::optional<std::string> serialize(const json& msg, std::string& err) {
  try {
    return msg.dump() + '\n';
  } catch (const json::exception& e) {
    err = std::string("cannot encode the request: ") + e.what();
    return std::nullopt;
  }
}

json id_of(const json& line) {
  auto it = line.find("id");
  return it == line.end() ? json(nullptr) : *it;
}

bool is_answer_to(const json& line, const json& id) {
  auto ok = line.find("ok");
  if (ok == line.end()) return false;
  json line_id = id_of(line);
  if (line_id == id) return true;
  return line_id.is_null() && ok->is_boolean() && !ok->get<bool>();
}

bool is_event_for(const json& line, const json& id) { return line.contains("event") && id_of(line) == id; }

}  // namespace

std::string default_socket_path() {
  const char* env = std::getenv("CORDON_SOCKET");
  if (env != nullptr && *env != '\0') return env;
  return "/run/cordon/cordond.sock";
}

std::optional<Connection> Connection::open(const std::string& path, std::string& err) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) {
    err = "cannot connect to cordond: the socket path is empty";
    return std::nullopt;
  }
  if (path.size() >= sizeof(addr.sun_path)) {
    err = "cannot connect to cordond at " + path + ": the path is longer than " +
          std::to_string(sizeof(addr.sun_path) - 1) + " bytes";
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = "cannot connect to cordond at " + path + ": socket: " + errno_text(errno);
    return std::nullopt;
  }
  Connection conn(fd);
  int rc = 0;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EISCONN) {
    err = "cannot connect to cordond at " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  return conn;
}

Connection::Connection(int fd) : fd_(fd) {}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buf_(std::move(other.buf_)),
      head_(other.head_),
      scanned_(other.scanned_),
      max_line_bytes_(other.max_line_bytes_),
      next_id_(other.next_id_),
      read_error_(std::move(other.read_error_)),
      write_error_(std::move(other.write_error_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buf_ = std::move(other.buf_);
    head_ = other.head_;
    scanned_ = other.scanned_;
    max_line_bytes_ = other.max_line_bytes_;
    next_id_ = other.next_id_;
    read_error_ = std::move(other.read_error_);
    write_error_ = std::move(other.write_error_);
  }
  return *this;
}

bool Connection::send(const json& msg, std::string& err) {
  if (!write_error_.empty()) {
    err = write_error_;
    return false;
  }
  auto line = serialize(msg, err);
  if (!line) return false;
  std::size_t off = 0;
  while (off < line->size()) {
    ssize_t n = ::send(fd_, line->data() + off, line->size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      write_error_ = "cannot send to cordond: " + errno_text(errno);
      err = write_error_;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

void Connection::mark_broken(std::string message, std::string& err) {
  read_error_ = std::move(message);
  err = read_error_;
}

std::optional<std::string> Connection::take_line(std::string& err) {
  auto nl = buf_.find('\n', std::max(head_, scanned_));
  if (nl == std::string::npos) {
    scanned_ = buf_.size();
    if (buf_.size() - head_ > max_line_bytes_)
      mark_broken("cordond sent a line longer than " + std::to_string(max_line_bytes_) + " bytes", err);
    return std::nullopt;
  }
  if (nl - head_ > max_line_bytes_) {
    mark_broken("cordond sent a line longer than " + std::to_string(max_line_bytes_) + " bytes", err);
    return std::nullopt;
  }
  std::string line = buf_.substr(head_, nl - head_);
  head_ = nl + 1;
  scanned_ = head_;
  return line;
}

Connection::Fill Connection::fill(int wait_ms, std::string& err) {
  pollfd pfd{fd_, POLLIN, 0};
  int rc = ::poll(&pfd, 1, wait_ms);
  if (rc < 0 && errno == EINTR) return Fill::Progress;  // the caller recomputes the wait
  if (rc < 0) {
    mark_broken("cannot wait for cordond: " + errno_text(errno), err);
    return Fill::Failed;
  }
  if (rc == 0) return Fill::Timeout;

  buf_.erase(0, head_);  // drop lines already returned
  scanned_ -= head_;
  head_ = 0;
  std::size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  ssize_t n = ::read(fd_, buf_.data() + old, kReadChunk);
  buf_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return Fill::Progress;
  if (n < 0) {
    mark_broken("cannot read from cordond: " + errno_text(errno), err);
    return Fill::Failed;
  }
  if (n == 0) {
    std::string where = buf_.empty() ? "" : " in the middle of a line";
    mark_broken("cordond closed the connection" + where, err);
    return Fill::Failed;
  }
  return Fill::Progress;
}

std::optional<json> Connection::receive_until(int total_ms, Clock::time_point end, std::string& err) {
  for (;;) {
    if (broken()) {
      err = read_error_;
      return std::nullopt;
    }
    if (auto line = take_line(err)) return parse_object(*line, err);
    if (broken()) return std::nullopt;
    switch (fill(remaining_ms(total_ms, end), err)) {
      case Fill::Progress: break;
      case Fill::Failed: return std::nullopt;
      case Fill::Timeout:
        err = "timed out after " + std::to_string(total_ms) + " ms waiting for cordond";
        return std::nullopt;
    }
  }
}

std::optional<json> Connection::receive(int timeout_ms, std::string& err) {
  return receive_until(timeout_ms, deadline_after(timeout_ms), err);
}

// After a failed send the daemon may still have said why (e.g. too_large)
// before it closed: return that answer if it is readable soon.
std::optional<json> Connection::answer_after_send_failure(const json& id) {
  auto end = deadline_after(kSendFailureGraceMs);
  std::string ignored;
  while (auto line = receive_until(kSendFailureGraceMs, end, ignored)) {
    if (is_answer_to(*line, id)) return line;
  }
  return std::nullopt;
}

std::optional<json> Connection::request(json req, std::string& err, const EventCallback& on_event, int timeout_ms) {
  if (!req.is_object()) {
    err = "a request must be a JSON object";
    return std::nullopt;
  }
  json id = next_id_++;
  req["id"] = id;
  if (!send(req, err)) {
    if (!write_error_.empty()) {
      if (auto answer = answer_after_send_failure(id)) return answer;
    }
    return std::nullopt;
  }
  auto end = deadline_after(timeout_ms);
  for (;;) {
    auto line = receive_until(timeout_ms, end, err);
    if (!line) {
      // A line that is not a JSON object could have been the answer: give up.
      return std::nullopt;
    }
    if (is_answer_to(*line, id)) return line;
    if (on_event && is_event_for(*line, id)) on_event(*line);
  }
}

}  // namespace cordon::client
