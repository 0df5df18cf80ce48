#include "audit/lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace cordon::audit_detail {

std::string for_each_line(const std::string& path, const LineFn& fn) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::vector<char> buf(std::size_t{1} << 16);
  std::string pending;
  std::uint64_t number = 0;
  bool stopped = false;
  while (!stopped) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string error = path + ": " + std::strerror(errno);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    while (!stopped) {
      auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending.append(chunk);
        break;
      }
      ++number;
      if (pending.empty()) {
        stopped = !fn(chunk.substr(0, nl), number, true);
      } else {
        pending.append(chunk.substr(0, nl));
        stopped = !fn(pending, number, true);
        pending.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
  }
  ::close(fd);
  if (!stopped && !pending.empty()) fn(pending, number + 1, false);
  return "";
}

std::string file_head(const std::string& path, std::size_t n) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out(n, '\0');
  ssize_t got = ::pread(fd, out.data(), n, 0);
  ::close(fd);
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

}  // namespace cordon::audit_detail
