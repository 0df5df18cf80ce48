// Daemon::started() gives a new cordond a few seconds; loading the output
// filter's rules on a busy machine can take longer. For the service tests.
#pragma once

#include "daemon_fixture.h"

namespace cordon::test {

// Waits up to timeout_ms for the daemon's socket to accept a connection.
// False if it does not, or if the daemon was never started.
bool wait_until_serving(const Daemon& d, int timeout_ms = 60'000);

}  // namespace cordon::test
