#include "sandbox_fixture.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cordon::test {

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

std::string probe_dir() { return env_or("CORDON_TEST_PROBE_DIR", CORDON_PROBE_DIR); }
std::string cordon_bin() { return env_or("CORDON_TEST_BIN", CORDON_BIN); }
std::string profiles_dir() { return env_or("CORDON_TEST_PROFILES", CORDON_PROFILES); }

nlohmann::json base_profile() {
  auto j = nlohmann::json::parse(R"({
    "schema": 1, "name": "probe", "version": "1.0.0",
    "description": "test profile", "owner": "tests",
    "exec": ["/opt/probe/cordon-probe", "/bin/sh", "/usr/bin/python3"],
    "filesystem": {
      "binds": ["/usr", "/bin", "/lib", "/lib64",
                {"source": "PROBE_DIR", "target": "/opt/probe"},
                {"source": "/etc/ld.so.cache", "optional": true}],
      "workspace": {"mode": "tmpfs", "target": "/work", "size": "16M"}
    },
    "limits": {"wall_time": "20s", "memory": "256M", "pids": 64, "stdout": "1M", "stderr": "256K"},
    "env": {"set": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, "pass": ["ALLOWED_VAR"]}
  })");
  for (auto& b : j["filesystem"]["binds"])
    if (b.is_object() && b["source"] == "PROBE_DIR") b["source"] = probe_dir();
  return j;
}

std::shared_ptr<const RuleSet> test_rules() {
  static const std::shared_ptr<const RuleSet> rules = RuleSet::load_default();
  return rules;
}

std::shared_ptr<const Profile> profile_from(const nlohmann::json& j) {
  ProfileLoad load = parse_profile(j.dump(), "test-profile.json");
  for (const auto& e : load.errors) ADD_FAILURE() << e.to_string();
  return load.profile;
}

Result run(const nlohmann::json& profile, const RunSpec& spec) {
  auto p = profile_from(profile);
  if (!p) return setup_error_result("profile", "invalid test profile", nullptr);
  CallRequest req;
  req.rules = test_rules();
  req.argv = spec.argv;
  req.workdir = spec.workdir;
  req.stdin_data = spec.stdin_data;
  PlanOutcome plan = make_plan(p, req, spec.host);
  if (!plan.ok()) {
    std::string detail;
    for (const auto& e : plan.errors) detail += e.to_string() + "; ";
    return setup_error_result("plan", detail, p.get());
  }
  RunOptions opts;
  opts.test_skip_control = spec.skip;
  return run_plan(*plan.plan, opts);
}

Result run(const nlohmann::json& profile, std::vector<std::string> argv) {
  RunSpec s;
  s.argv = std::move(argv);
  return run(profile, s);
}

Result sh(const std::string& script) { return run(base_profile(), {"/bin/sh", "-c", script}); }

const Control* find_control(const Result& r, const std::string& name) {
  for (const auto& c : r.controls)
    if (c.name == name) return &c;
  return nullptr;
}

const Denial* find_denial(const Result& r, const std::string& syscall) {
  for (const auto& d : r.denials)
    if (d.syscall == syscall) return &d;
  return nullptr;
}

std::string describe(const Result& r) {
  std::ostringstream o;
  o << "outcome=" << outcome_name(r.outcome) << " detail=" << r.detail << " step=" << r.setup_step
    << "\nstdout=" << r.stdout_.data << "\nstderr=" << r.stderr_.data;
  for (const auto& d : r.denials) o << "\ndenied " << d.syscall << " x" << d.count << " " << d.action;
  return o.str();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cordon-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp";
  path_ = pattern;
  chmod(path_.c_str(), 0777);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& rel, const std::string& text) const {
  std::filesystem::path p = std::filesystem::path(path_) / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  chmod(p.c_str(), 0666);
  return p.string();
}

bool running_as_root() { return geteuid() == 0; }

int count_host_processes(const std::string& marker) {
  int n = 0;
  DIR* d = opendir("/proc");
  if (!d) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (auto& ch : cmd)
      if (ch == '\0') ch = ' ';
    if (cmd.find(marker) != std::string::npos) ++n;
  }
  closedir(d);
  return n;
}

}  // namespace cordon::test
