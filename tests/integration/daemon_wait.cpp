#include "daemon_wait.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace cordon::test {

bool wait_until_serving(const Daemon& d, int timeout_ms) {
  if (d.pid() <= 0) return false;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (d.connect_as(geteuid()).fd() >= 0) return true;
    if (kill(d.pid(), 0) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace cordon::test
