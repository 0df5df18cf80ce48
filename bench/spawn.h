// One external command, run to completion with fork + execve + waitpid: the
// way the floor, bwrap and `cordon run` are started. stdin, stdout and
// stderr are /dev/null; the environment is exactly the one given.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cordon::bench {

class Command {
 public:
  // argv[0] is an absolute path. Fails (nullopt, `err` set) when /dev/null
  // cannot be opened or argv is empty.
  static std::optional<Command> make(std::vector<std::string> argv, std::vector<std::string> env, std::string& err);
  ~Command();
  Command(Command&& o) noexcept;
  Command& operator=(Command&& o) noexcept;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  // Runs the command once and waits for it. "" when it exited 0, otherwise
  // what went wrong. Safe to call from several threads at once.
  std::string run() const;

  // The command line, shell-quoted, for the report.
  std::string display() const;

 private:
  Command() = default;
  void rebuild_pointers();

  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::vector<char*> argv_ptrs_;
  std::vector<char*> env_ptrs_;
  int devnull_ = -1;
};

}  // namespace cordon::bench
