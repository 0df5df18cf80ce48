#include "audit/rotate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace cordon::audit_detail {
namespace {

bool exists(const std::string& p) {
  struct stat st{};
  return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

std::string rotated_name(const std::string& path, unsigned n) { return path + "." + std::to_string(n); }

std::string fsync_parent_dir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return dir + ": " + std::strerror(errno);
  std::string error;
  if (::fsync(fd) != 0) error = "fsync of " + dir + ": " + std::strerror(errno);
  ::close(fd);
  return error;
}

std::string rotate_files(const std::string& path, unsigned keep_files) {
  unsigned highest = 0;
  while (exists(rotated_name(path, highest + 1))) ++highest;
  for (unsigned n = highest; n >= 1; --n) {
    std::string from = rotated_name(path, n), to = rotated_name(path, n + 1);
    if (std::rename(from.c_str(), to.c_str()) != 0)
      return "rotating " + from + " to " + to + ": " + std::strerror(errno);
  }
  std::string first = rotated_name(path, 1);
  if (std::rename(path.c_str(), first.c_str()) != 0)
    return "rotating " + path + " to " + first + ": " + std::strerror(errno);
  if (keep_files > 0) {
    for (unsigned n = keep_files + 1; n <= highest + 1; ++n) {
      std::string old = rotated_name(path, n);
      if (::unlink(old.c_str()) != 0 && errno != ENOENT) return "removing " + old + ": " + std::strerror(errno);
    }
  }
  return fsync_parent_dir(path);
}

}  // namespace cordon::audit_detail
