#include "daemon/workspace.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>

namespace cordon::daemon {

std::optional<std::string> resolve_workspace(const std::string& root, const std::string& rel, std::string& err) {
  if (!rel.empty() && rel[0] == '/') {
    err = "workspace must be relative to the tenant's workspace root";
    return std::nullopt;
  }
  if (rel.find('\0') != std::string::npos || rel.size() > 4096) {
    err = "invalid workspace path";
    return std::nullopt;
  }
  int root_fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    err = "tenant workspace root unavailable: " + std::string(std::strerror(errno));
    return std::nullopt;
  }
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const std::string target = rel.empty() ? "." : rel;
  long fd = syscall(SYS_openat2, root_fd, target.c_str(), &how, sizeof how);
  int e = errno;
  close(root_fd);
  if (fd < 0) {
    err = e == EXDEV || e == ELOOP ? "workspace '" + rel + "' leaves the tenant's root or follows a symlink"
                                   : "workspace '" + rel + "': " + std::strerror(e);
    return std::nullopt;
  }
  close(static_cast<int>(fd));
  auto path = (std::filesystem::path(root) / target).lexically_normal().string();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace cordon::daemon
