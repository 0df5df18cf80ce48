#include "contain.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "proc_probe.h"

namespace cordon::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kBuildTimeoutMs = 60'000;
constexpr int kKillTimeoutMs = 60'000;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int ms_left(Clock::time_point end) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Host processes whose command line is exactly "sleep <tag>".
std::size_t count_tagged(const std::string& tag) {
  const std::string want = std::string("sleep") + '\0' + tag + '\0';
  std::size_t n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    auto cmd = read_small_file(it->path().string() + "/cmdline");  // nullopt: it has exited
    if (cmd && *cmd == want) ++n;
  }
  return n;
}

// Reads lines on `c` until the final response (a line with "ok").
std::optional<json> final_response(client::Connection& c, Clock::time_point end, std::string& err) {
  for (;;) {
    auto line = c.receive(ms_left(end), err);
    if (!line) return std::nullopt;
    if (line->contains("ok")) return line;
  }
}

// One repetition; "" or what went wrong.
std::string one(const std::string& socket, const std::string& tool, unsigned tree_size, unsigned rep,
                ContainSample& s) {
  std::string err;
  auto a = client::Connection::open(socket, err);
  if (!a) return err;
  auto b = client::Connection::open(socket, err);
  if (!b) return err;
  // A tag unique to this run, so that only this tree is counted on the host.
  const std::string tag = std::to_string(900 + rep % 90) + "." + std::to_string(getpid() % 100000);
  const std::string script =
      "i=0; while [ $i -lt " + std::to_string(tree_size) + " ]; do sleep " + tag + " & i=$((i+1)); done; wait";
  json run = {{"id", "tree"}, {"op", "run"},   {"tool", tool},
              {"argv", {"/bin/sh", "-c", script}}, {"stream", true}};
  if (!a->send(run, err)) return err;

  // The call id comes with the "started" event.
  const auto t_sent = Clock::now();
  const auto build_end = t_sent + std::chrono::milliseconds(kBuildTimeoutMs);
  std::string call_id;
  while (call_id.empty()) {
    auto line = a->receive(ms_left(build_end), err);
    if (!line) return "waiting for the 'started' event: " + err;
    if (line->contains("ok")) return "the call ended before it started the tree: " + line->dump().substr(0, 400);
    if (line->value("event", "") == "started") call_id = line->value("call_id", "");
  }
  // Ready once every process of the tree runs sleep (a forked child shows
  // the shell's command line until it execs). Output is not used for this:
  // the output filter may hold a chunk back until the stream ends.
  while ((s.procs_before = count_tagged(tag)) < tree_size) {
    if (Clock::now() >= build_end)
      return "only " + std::to_string(s.procs_before) + " of " + std::to_string(tree_size) +
             " tree processes appeared within " + std::to_string(kBuildTimeoutMs / 1000) + " s";
    std::string early;
    if (auto line = a->receive(0, early); line && line->contains("ok"))
      return "the call ended before the tree was complete: " + line->dump().substr(0, 400);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.build_ms = ms_between(t_sent, Clock::now());

  const auto t0 = Clock::now();
  auto k = b->request({{"op", "kill"}, {"call_id", call_id}}, err, {}, kKillTimeoutMs);
  const auto t1 = Clock::now();
  if (!k) return "kill: " + err;
  s.procs_after = count_tagged(tag);
  if (k->value("ok", false) != true) return "kill refused: " + k->dump();
  const auto& killed = (*k)["killed"];
  if (!killed.is_array() || killed.size() != 1) return "kill response does not name one call: " + k->dump();
  s.kill_rtt_ms = ms_between(t0, t1);
  s.daemon_contain_ms = killed[0].value("contain_ms", -1.0);

  auto fin = final_response(*a, Clock::now() + std::chrono::milliseconds(kKillTimeoutMs), err);
  if (!fin) return "the killed call's response: " + err;
  const json& result = (*fin)["result"];
  if (!result.is_object()) return "killed call without a result: " + fin->dump().substr(0, 400);
  if (result.value("outcome", "") != "killed") return "killed call has outcome " + result.value("outcome", "?");
  s.result_contain_ms = static_cast<double>(result["time"].value("contain_us", 0)) / 1000.0;
  if (s.procs_after != 0) return std::to_string(s.procs_after) + " tree processes left after the kill response";
  return "";
}

// One kernel-floor repetition (see measure_contain_floor).
std::string one_floor(unsigned tree_size, unsigned rep, ContainSample& s) {
  const std::string tag = std::to_string(800 + rep % 90) + "." + std::to_string(getpid() % 100000);
  const std::string script =
      "i=0; while [ $i -lt " + std::to_string(tree_size) + " ]; do sleep " + tag + " & i=$((i+1)); done; wait";
  int go[2], res[2];
  if (pipe(go) < 0) return "pipe";
  if (pipe(res) < 0) {
    close(go[0]);
    close(go[1]);
    return "pipe";
  }
  const auto t_start = Clock::now();
  pid_t mid = fork();
  if (mid < 0) return "fork";
  if (mid == 0) {
    // The middle process: unshares a pid namespace, starts its init (the
    // shell), then on "go" kills that init and times the reaping.
    close(go[1]);
    close(res[0]);
    if (unshare(CLONE_NEWPID) < 0) _exit(2);
    pid_t init = fork();
    if (init == 0) {
      execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    if (init < 0) _exit(3);
    char c;
    if (read(go[0], &c, 1) != 1) {
      kill(init, SIGKILL);
      waitpid(init, nullptr, 0);
      _exit(4);
    }
    const auto t0 = Clock::now();
    kill(init, SIGKILL);
    waitpid(init, nullptr, 0);
    const double ms = ms_between(t0, Clock::now());
    (void)!write(res[1], &ms, sizeof ms);
    _exit(0);
  }
  close(go[0]);
  close(res[1]);
  std::string err;
  while ((s.procs_before = count_tagged(tag)) < tree_size) {
    if (ms_between(t_start, Clock::now()) > kBuildTimeoutMs) {
      err = "only " + std::to_string(s.procs_before) + " of " + std::to_string(tree_size) + " processes appeared";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.build_ms = ms_between(t_start, Clock::now());
  (void)!write(go[1], "g", 1);
  close(go[1]);
  double ms = -1;
  if (read(res[0], &ms, sizeof ms) != static_cast<ssize_t>(sizeof ms) && err.empty()) err = "no timing from the middle process";
  close(res[0]);
  int st = 0;
  waitpid(mid, &st, 0);
  s.procs_after = count_tagged(tag);
  if (!err.empty()) return err;
  if (s.procs_after != 0) return std::to_string(s.procs_after) + " processes left after the kill";
  s.kill_rtt_ms = ms;
  return "";
}

}  // namespace

ContainRun measure_contain_floor(unsigned tree_size, unsigned reps) {
  ContainRun run;
  for (unsigned r = 0; r < reps; ++r) {
    ContainSample s;
    std::string err = one_floor(tree_size, r, s);
    if (err.empty()) run.samples.push_back(s);
    else if (run.errors++ == 0) run.first_error = err;
  }
  return run;
}

ContainRun measure_contain(const std::string& socket, const std::string& tool, unsigned tree_size, unsigned reps) {
  ContainRun run;
  for (unsigned r = 0; r < reps; ++r) {
    ContainSample s;
    std::string err;
    try {
      err = one(socket, tool, tree_size, r, s);
    } catch (const std::exception& e) {  // a daemon line with a field of an unexpected type
      err = std::string("unexpected response: ") + e.what();
    }
    if (err.empty()) {
      run.samples.push_back(s);
    } else if (run.errors++ == 0) {
      run.first_error = err;
    }
  }
  return run;
}

}  // namespace cordon::bench
