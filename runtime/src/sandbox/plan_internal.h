// SpawnPlan: everything decided before clone for one call. Built by
// make_plan (plan.cpp), consumed read-only by run_plan (spawn.cpp).
#pragma once

#include <cstring>
#include <deque>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child/child_spec.h"
#include "cordon/host.h"
#include "cordon/profile.h"
#include "cordon/result.h"
#include "cordon/sandbox.h"
#include "sandbox/cgroup.h"
#include "sandbox/seccomp_policy.h"

namespace cordon {

struct SpawnPlan {
  std::shared_ptr<const Profile> profile;
  HostInfo host;

  // Storage the ChildSpec points into (deque: stable addresses).
  std::deque<std::string> strings;
  std::vector<char*> argv;
  std::vector<char*> envp;

  child::ChildSpec spec;       // channels are filled in by run_plan
  SeccompPolicy seccomp;
  unsigned long clone_flags = 0;

  uid_t host_uid = 65534;
  gid_t host_gid = 65534;
  bool deny_setgroups = true;

  std::uint64_t wall_ms = 0;
  Limits limits;
  CgroupLimits cgroup_limits;
  bool cgroups_wanted = true;
  std::vector<std::string> required;

  std::shared_ptr<const RuleSet> rules;  // output filter (never null)
  std::vector<GuardedValue> guarded;

  std::optional<std::string> stdin_path;
  std::optional<std::string> stdin_data;

  std::vector<std::string> disk_watch;  // host paths of writable host mounts
  std::vector<Control> controls;   // decided at plan time

  // warm_key(), computed once on first use (only pooled calls need it; the
  // pool and run_plan both ask).
  mutable std::once_flag warm_key_once;
  mutable std::string warm_key;
  std::vector<std::string> dangerous;

  const char* keep(std::string s) {
    strings.push_back(std::move(s));
    return strings.back().c_str();
  }
  // Same, for text that holds a secret value: wiped when the plan goes.
  const char* keep_secret(std::string s) {
    strings.push_back(std::move(s));
    secret_strings.push_back(&strings.back());
    return strings.back().c_str();
  }
  std::vector<std::string*> secret_strings;
  std::vector<GrantedSecret> granted;

  ~SpawnPlan();
};

}  // namespace cordon
