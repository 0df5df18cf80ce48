// Small file helpers for /proc and cgroup files (parent side only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cordon {

std::optional<std::string> read_small_file(const std::string& path);
// Writes `data` with one write(2). Returns 0 or errno.
int write_small_file(const std::string& path, const std::string& data);
// Value of "key N" lines (cgroup *.events, memory.stat, cpu.stat).
std::uint64_t keyed_value(const std::string& text, const std::string& key);
// mkdir -p; returns 0 or errno.
int make_dirs(const std::string& path, unsigned mode = 0755);

}  // namespace cordon
