#include "cordon/run_command.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cordon/host.h"
#include "cordon/profile.h"
#include "cordon/filter_rules.h"
#include "cordon/sandbox.h"
#include "cordon/secrets.h"

namespace cordon::cli {
namespace {

int g_cancel_write = -1;  // the signal handler's only state

extern "C" void on_stop_signal(int) {
  if (g_cancel_write >= 0) {
    char c = 'x';
    ssize_t n = write(g_cancel_write, &c, 1);
    (void)n;
  }
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

int emit(const Result& r, bool json) {
  if (json) {
    std::cout << to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    write_all(1, r.stdout_.data);
    write_all(2, r.stderr_.data);
    if (r.outcome == Outcome::SetupError) {
      std::cerr << "cordon: setup error" << (r.setup_step.empty() ? "" : " at step '" + r.setup_step + "'") << ": "
                << r.detail << std::endl;
    } else if (r.outcome != Outcome::Ok && r.outcome != Outcome::ExitNonzero) {
      std::cerr << "cordon: " << outcome_name(r.outcome) << ": " << r.detail << std::endl;
    }
    if (r.stdout_.truncated || r.stderr_.truncated)
      std::cerr << "cordon: output truncated (stdout " << r.stdout_.total_bytes << " bytes, stderr "
                << r.stderr_.total_bytes << " bytes)" << std::endl;
    for (const auto& d : r.denials)
      std::cerr << "cordon: denied " << d.syscall << " x" << d.count << " (" << d.action << ")" << std::endl;
  }
  return exit_status_for(r);
}

}  // namespace

std::optional<std::uint64_t> parse_timeout_ms(const std::string& s) {
  constexpr double kMaxMs = 1e15;  // far above any real limit, well inside uint64_t
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(v) || v <= 0) return std::nullopt;
  std::string unit(end);
  double mult = unit == "ms" ? 1 : (unit == "s" || unit.empty()) ? 1000 : unit == "m" ? 60000 : -1;
  if (mult < 0 || v * mult > kMaxMs) return std::nullopt;
  return static_cast<std::uint64_t>(v * mult);
}

std::vector<std::string> default_profile_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("CORDON_PROFILE_PATH")) {
    std::string s(env);
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t colon = s.find(':', start);
      std::string part = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!part.empty()) dirs.push_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  dirs.push_back("/etc/cordon/profiles");
  dirs.push_back(CORDON_INSTALLED_PROFILES);
  dirs.push_back(CORDON_SOURCE_PROFILES);
  return dirs;
}

int run_command(const RunArgs& a) {
  std::vector<std::string> dirs = a.profile_dirs;
  for (auto& d : default_profile_dirs()) dirs.push_back(d);
  ProfileLoad load = resolve_profile(a.profile, dirs);
  if (!load.ok()) {
    std::string detail;
    for (const auto& e : load.errors) detail += (detail.empty() ? "" : "\n") + e.to_string();
    return emit(setup_error_result("profile", detail, nullptr), a.json);
  }

  CallRequest req;
  req.argv = a.argv;
  req.workdir = a.workdir;
  req.stdin_path = a.stdin_file;
  for (const auto& kv : a.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos)
      return emit(setup_error_result("request", "--env expects K=V, got '" + kv + "'", load.profile.get()), a.json);
    req.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (a.timeout) {
    auto ms = parse_timeout_ms(*a.timeout);
    if (!ms) return emit(setup_error_result("request", "bad --timeout '" + *a.timeout + "'", load.profile.get()), a.json);
    req.wall_time_ms = ms;
  }

  FilterRulesCache rules_cache;
  FilterRulesCache::Lookup rules = rules_cache.for_profile(*load.profile);
  if (!rules.rules) return emit(setup_error_result("output_filter", rules.error, load.profile.get()), a.json);
  req.rules = rules.rules;

  if (a.secrets_file || !load.profile->secrets.empty()) {
    std::shared_ptr<const SecretStore> store = SecretStore::empty();
    if (a.secrets_file) {
      SecretStore::Load sl = SecretStore::load_json_file(*a.secrets_file);
      if (!sl.store) {
        std::string detail;
        for (const auto& e : sl.errors) detail += (detail.empty() ? "" : "\n") + e;
        return emit(setup_error_result("secrets", detail, load.profile.get()), a.json);
      }
      store = sl.store;
    }
    SecretStore::Lookup got = store->values_for("local", *load.profile, a.secret_names, random_fingerprint_key());
    if (!got.error_code.empty())
      return emit(setup_error_result("secrets", got.error + (a.secrets_file ? "" : " (give --secrets FILE)"),
                                     load.profile.get()),
                  a.json);
    req.secrets = std::move(got.values);
  }

  HostInfo host = probe_host();
  PlanOutcome plan = make_plan(load.profile, req, host);
  wipe(req.secrets);
  if (!plan.ok()) {
    std::string detail;
    bool required = false;
    for (const auto& e : plan.errors) {
      detail += (detail.empty() ? "" : "\n") + e.to_string();
      required = required || e.field == "require";
    }
    return emit(setup_error_result(required ? "require" : "plan", detail, load.profile.get()), a.json);
  }

  int p[2];
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
    return emit(setup_error_result("signals", "pipe failed", load.profile.get()), a.json);
  }
  g_cancel_write = p[1];
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  RunOptions opts;
  opts.cancel_fd = p[0];
  opts.test_skip_control = a.test_skip_control;
  Result r = run_plan(*plan.plan, opts);
  g_cancel_write = -1;
  close(p[0]);
  close(p[1]);
  return emit(r, a.json);
}

}  // namespace cordon::cli
