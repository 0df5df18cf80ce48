// The adversarial suite's harness: runs one hostile program through the real
// runtime under the shipped `strict` profile, with host-side bait it may try
// to reach, and judges the run twice: was the attack contained (its effect
// did not happen), and does the result report it correctly.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/host.h"
#include "cordon/profile.h"
#include "cordon/result.h"
#include "cordon/sandbox.h"

namespace cordon::adv {

// Where the build put the hostile programs, and the shipped profiles.
// CORDON_ADV_HOSTILE_DIR / CORDON_ADV_PROFILES in the environment override
// the compiled-in paths.
std::string hostile_dir();
std::string profiles_dir();

// The two halves of a verdict. `escapes`: evidence that the attack's effect
// happened (containment failed). `misreports`: the attack was stopped, but
// the result does not say so the way it should.
struct Verdict {
  std::vector<std::string> escapes;
  std::vector<std::string> misreports;
  void escape(std::string why) { escapes.push_back(std::move(why)); }
  void misreport(std::string why) { misreports.push_back(std::move(why)); }
  bool contained() const { return escapes.empty(); }
  bool ok() const { return escapes.empty() && misreports.empty(); }
  std::string describe() const;
};

// One attack: a hostile program, its arguments, and what a correct result
// looks like. Arguments may hold placeholders that the run replaces with
// host bait (created on demand):
//   {secret}        path of a host file outside every mount (its text must
//                   never appear in the tool's output)
//   {bait_dir}      a host directory (mode 0777) outside every mount
//   {launcher_pid}  this test process
//   {victim_pid}    a host process running as the sandbox's host uid
//   {tcp_port}      a TCP listener on the host's 127.0.0.1
//   {udp_port}      a UDP socket on the host's 127.0.0.1
//   {abstract}      the name of a host abstract Unix socket (listening)
//   {unix_path}     the path of a host Unix socket (listening, mode 0777)
//   {shm_id}        a host SysV shm segment (mode 0666)
//   {msq_id}        a host SysV message queue (mode 0666)
//   {leak_fd}       a descriptor of this process on {secret}, not CLOEXEC
//   {env_name}      a variable set in this process's environment
//   {stdin_file}    a host file (mode 0666) outside every mount, for stdin
//   {suid_payload}  /work/suid_payload, installed root-owned with mode 4755
//   {memory_mib}    the profile's memory limit in MiB
// Every run also gets /work/victim.txt (mode 0666 on the host).
struct AttackSpec {
  std::string name;      // test name
  std::string program;   // hostile/<program>.c
  std::string cls;       // attack class
  std::vector<std::string> args;
  std::string stdin_path;                              // CallRequest::stdin_path (placeholders allowed)
  std::function<void(nlohmann::json&)> profile_tweak;  // edits strict.json
  std::optional<std::uint64_t> wall_time_ms;           // CallRequest::wall_time_ms
  // The result a correct runtime reports (adds misreports, or escapes for
  // evidence the generic checks cannot see).
  std::function<void(const Result&, Verdict&)> expect;
};

// Host bait for one run (see the placeholders above). Everything is
// released by the destructor.
class Bait {
 public:
  Bait(std::string marker, const HostInfo& host);
  ~Bait();
  Bait(const Bait&) = delete;
  Bait& operator=(const Bait&) = delete;

  // Replaces the placeholders in `arg`, creating the bait they name.
  std::string expand(const std::string& arg);
  // Host-side evidence that the bait was reached.
  void check(const Result& r, Verdict& v);
  const std::string& dir() const { return dir_; }

 private:
  std::string need_dir();
  std::string marker_;
  HostInfo host_;
  std::string dir_;
  std::string secret_path_, secret_text_;
  std::string stdin_path_, stdin_text_;
  pid_t victim_ = -1;
  int tcp_ = -1, udp_ = -1, abstract_ = -1, unix_ = -1;
  int tcp_port_ = 0, udp_port_ = 0;
  std::string abstract_name_, unix_path_;
  int shm_ = -1, msq_ = -1;
  std::string shm_text_;
  int leak_fd_ = -1;
  std::string env_name_, env_value_;
};

// A fresh host workspace (mode 0755) holding the hostile program as `tool`
// (mode 0755) and victim.txt; removed by the destructor.
class Workspace {
 public:
  Workspace(const std::string& program, const std::string& marker);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  const std::string& path() const { return path_; }
  std::string install_suid_payload();  // returns the path inside the sandbox
  // Evidence that the read-only workspace was changed.
  void check(Verdict& v) const;

 private:
  std::string path_;
  std::string tool_bytes_, victim_text_;
  std::set<std::string> expected_;
};

// One attack run: workspace, bait, profile, request, run_plan.
class AttackRun {
 public:
  // `skip` is RunOptions::test_skip_control; `extra_tweak` edits the profile
  // after the attack's own tweak.
  AttackRun(const AttackSpec& spec, const std::string& skip = "",
            const std::function<void(nlohmann::json&)>& extra_tweak = {});
  const Result& result() const { return result_; }
  const std::string& marker() const { return marker_; }
  const std::string& workspace() const { return ws_->path(); }
  const std::string& bait_dir() const { return bait_->dir(); }
  // Generic evidence (ESCAPED lines, bait, workspace, wall time) plus the
  // attack's own expectations.
  Verdict verdict();
  std::string describe() const;  // the result, for failure messages
  void release();                // removes workspace and bait

 private:
  const AttackSpec& spec_;
  std::string marker_;
  std::unique_ptr<Workspace> ws_;
  std::unique_ptr<Bait> bait_;
  Result result_;
  std::optional<Verdict> verdict_;
};

// Loads the shipped strict profile, optionally edited as JSON.
std::shared_ptr<const Profile> strict_profile(const std::function<void(nlohmann::json&)>& tweak = {});

// The host state an attack must not change, and the checks after it.
struct HostSnapshot {
  std::set<std::string> mounts;                               // /proc/self/mountinfo lines
  std::map<std::string, std::set<std::string>> temp_entries;  // temp dir -> names
  std::map<std::string, std::string> sysctls;                 // global knobs -> value
  static HostSnapshot take();
};
// Problems with the host after a run: processes carrying `marker`, new
// mounts, per-call cgroups of this process, new files in the temp dirs
// (other than `allowed` names), changed global sysctls.
std::vector<std::string> host_health(const HostSnapshot& before, const std::string& marker,
                                     const std::set<std::string>& allowed_temp_entries);
// Host processes whose command line contains `marker` or whose name is it.
std::vector<std::string> host_processes_with(const std::string& marker);

const Denial* find_denial(const Result& r, const std::string& syscall);
const Control* find_control(const Result& r, const std::string& name);

}  // namespace cordon::adv
