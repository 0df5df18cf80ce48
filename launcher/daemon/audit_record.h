// The bodies of cordond's audit records (cordon/audit.h adds seq, ts, prev
// and hash). Pure functions. A body never holds tool output, stdin,
// environment values or secret values: only identities, names, counts,
// outcomes and timings. argv is passed through the output filter first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/filter.h"
#include "cordon/profile.h"
#include "cordon/result.h"
#include "daemon/policy.h"

namespace cordon::daemon {

struct CallContext {
  std::string call_id;
  std::string tenant;
  Peer peer;
  std::string tool;                    // as requested
  std::vector<std::string> argv;       // already filtered (filter_argv)
  std::uint64_t queued_us = 0;         // accepted -> started
  std::uint64_t total_us = 0;          // accepted -> result ready
};

// Each argument through the profile's output filter (secrets redacted,
// controls stripped), for ps, logs and audit records.
std::vector<std::string> filter_argv(const std::shared_ptr<const RuleSet>& rules, const std::vector<std::string>& argv);

nlohmann::ordered_json call_record_body(const CallContext& c, const Profile& profile, const Result& r);

// An operator event: "kill", "reload", "denied", "daemon_start",
// "daemon_stop", "audit_recovered". `fields` are added as they are.
nlohmann::ordered_json event_record_body(const std::string& kind, const Peer* who, nlohmann::ordered_json fields);

}  // namespace cordon::daemon
