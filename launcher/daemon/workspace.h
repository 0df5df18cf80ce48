// A tenant's workspace: a directory under its root, reached without
// following symlinks and without leaving the root (openat2 RESOLVE_BENEATH).
#pragma once

#include <optional>
#include <string>

namespace cordon::daemon {

// Returns the absolute path of `rel` under `root`, or nullopt with `err`.
std::optional<std::string> resolve_workspace(const std::string& root, const std::string& rel, std::string& err);

}  // namespace cordon::daemon
