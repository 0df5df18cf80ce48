// Rotating an audit file the logrotate way: <path>.N -> <path>.N+1 (highest
// first), ..., <path> -> <path>.1, then pruning beyond keep_files.
#pragma once

#include <string>

namespace cordon::audit_detail {

std::string rotated_name(const std::string& path, unsigned n);  // "<path>.<n>"

// Renames as above (only the contiguous run <path>.1, .2, ... that exists
// is shifted, so nothing is overwritten), deletes <path>.K+1 and beyond
// when keep_files = K > 0, and fsyncs the directory. The caller has
// fsynced and closed <path>. Returns "" or the error.
std::string rotate_files(const std::string& path, unsigned keep_files);

// fsync of the directory holding `path`. Returns "" or the error.
std::string fsync_parent_dir(const std::string& path);

}  // namespace cordon::audit_detail
