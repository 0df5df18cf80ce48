// `run` calls through cordond, one connection per caller, one call in
// flight at a time (the connection is reused from call to call).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "phases.h"

namespace cordon::bench {

class DaemonCaller {
 public:
  // Connects to `socket`. nullopt and `err` on failure.
  static std::optional<DaemonCaller> open(const std::string& socket, const std::string& tool,
                                          const std::vector<std::string>& argv, std::string& err);

  // One `run` call. "" when the daemon accepted it and the result's outcome
  // is "ok"; otherwise what happened. With `result`, the result object is
  // stored there (whatever the outcome).
  std::string call(nlohmann::json* result = nullptr);

 private:
  DaemonCaller(client::Connection conn, nlohmann::json request) : conn_(std::move(conn)), request_(std::move(request)) {}

  std::string call_once(nlohmann::json* result);

  client::Connection conn_;
  nlohmann::json request_;
};

// A WorkerFactory whose workers each open their own connection.
WorkerFactory daemon_workers(const std::string& socket, const std::string& tool, const std::vector<std::string>& argv);

}  // namespace cordon::bench
