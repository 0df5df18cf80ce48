// A program started as a given uid with pipes on stdin and stdout (stderr
// goes to a file), for tests that drive a real client process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace cordon::test {

class ChildProcess {
 public:
  // Starts argv[0] (an absolute path) as uid:gid `uid` with no
  // supplementary groups and environment `env`. `uid` equal to our own
  // euid keeps our credentials. started() is false if the fork failed.
  ChildProcess(uid_t uid, const std::vector<std::string>& argv, const std::vector<std::string>& env,
               const std::string& stderr_path);
  ~ChildProcess();  // SIGKILLs and reaps a child that is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool write(const std::string& bytes);
  bool write_line(const std::string& line) { return write(line + "\n"); }
  void close_stdin();
  // The next line of stdout (without '\n'); nullopt on EOF or timeout.
  std::optional<std::string> read_line(int timeout_ms);
  // Everything up to EOF (bounded by timeout_ms).
  std::string read_all(int timeout_ms);
  // The wait status once it exits; nullopt if it is still running after timeout_ms.
  std::optional<int> wait_exit(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int in_ = -1;   // our end of the child's stdin
  int out_ = -1;  // our end of the child's stdout
  std::string buf_;
};

}  // namespace cordon::test
