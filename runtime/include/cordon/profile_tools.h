// Operator tools over validated profiles: lint warnings (`cordon profile
// check`), a plain-words explanation with an exposure score (`explain`),
// and a reviewer's diff that flags every widening (`diff`).
#pragma once

#include <string>
#include <vector>

#include "cordon/profile.h"

namespace cordon {

// Risky but valid choices: host network, writable binds outside the
// workspace, very high limits, syscalls re-allowed from the default deny
// list, dangerous variables callers may pass.
std::vector<std::string> lint_profile(const Profile& p);

struct ExposureItem {
  std::string control;  // e.g. "network"
  double points = 0;    // contribution to the score
  std::string why;
};

struct Explanation {
  double score = 0;  // 0 = locked down ... 10 = unconfined
  std::vector<ExposureItem> items;     // every contribution, largest first
  std::vector<std::string> can;        // what the tool can do
  std::vector<std::string> cannot;     // what it cannot do
};

// Scores in the spirit of `systemd-analyze security`: weighted controls,
// summed and capped at 10.
Explanation explain_profile(const Profile& p);
std::string render_explanation(const Profile& p, const Explanation& e);

struct DiffLine {
  enum class Kind { Widens, Narrows, Changes } kind = Kind::Changes;
  std::string field;
  std::string text;
};

std::vector<DiffLine> diff_profiles(const Profile& before, const Profile& after);
std::string render_diff(const std::vector<DiffLine>& d);

}  // namespace cordon
