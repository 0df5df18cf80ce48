#include "results_json.h"

namespace cordon::bench {
namespace {

using nlohmann::json;

json summary_json(const Summary& s) {
  return {{"n", s.n}, {"p50_ms", s.p50}, {"p99_ms", s.p99}, {"mean_ms", s.mean}, {"min_ms", s.min}, {"max_ms", s.max}};
}

json snapshot_json(const std::optional<ProcSnapshot>& s) {
  if (!s) return nullptr;
  return {{"rss_kib", s->rss_kib}, {"fds", s->fds},           {"mounts", s->mounts},
          {"threads", s->threads}, {"fd_targets", s->fd_targets}};
}

}  // namespace

json results_json(const Options& o, const Measurements& m, const std::vector<Row>& rows,
                  const std::string& command_line) {
  json j;
  j["command"] = command_line;
  j["machine"] = {{"kernel", m.kernel},
                  {"cpus", m.cpus},
                  {"cpu_model", m.cpu_model},
                  {"cgroup_version", m.cgroup_version},
                  {"landlock_abi", m.landlock_abi},
                  {"loadavg_start", m.load_start},
                  {"loadavg_end", m.load_end}};
  j["settings"] = {{"quick", o.quick},          {"rounds", o.rounds},       {"warmup_rounds", o.warmup},
                   {"window_s", o.window_s},    {"tp_rounds", o.tp_rounds}, {"concurrency", o.concurrency},
                   {"calls", o.calls},          {"tree_size", o.tree_size}, {"tree_reps", o.tree_reps},
                   {"daemon_workers", o.workers}, {"warm_pool_variant", m.warm_pool}};
  j["commands"] = m.commands;
  json lat = json::object();
  for (const auto& v : m.latency) {
    json s = summary_json(summarize(v.ms));
    s["errors"] = v.errors;
    lat[v.key] = s;
  }
  j["latency"] = lat;
  json tp = json::object();
  for (const auto& e : m.throughput)
    tp[e.key][std::to_string(e.workers)] = {{"calls", e.rate.calls},
                                            {"errors", e.rate.errors},
                                            {"seconds", e.rate.seconds},
                                            {"calls_per_s", e.rate.per_s()}};
  j["throughput"] = tp;
  j["daemon"] = {{"idle", snapshot_json(m.idle)},
                 {"after_warmup", snapshot_json(m.warm)},
                 {"warmup_calls", m.warmup_calls},
                 {"after_calls", snapshot_json(m.after_calls)},
                 {"calls_before_after_snapshot", m.calls_at_after},
                 {"end", snapshot_json(m.end)},
                 {"cgroups_left_at_end", m.cgroups_end}};
  json samples = json::array();
  for (const auto& s : m.contain.samples)
    samples.push_back({{"build_ms", s.build_ms},
                       {"kill_rtt_ms", s.kill_rtt_ms},
                       {"daemon_contain_ms", s.daemon_contain_ms},
                       {"result_contain_ms", s.result_contain_ms},
                       {"procs_before", s.procs_before},
                       {"procs_after", s.procs_after}});
  nlohmann::json floor = nlohmann::json::array();
  for (const auto& s : m.contain_floor.samples) floor.push_back(s.kill_rtt_ms);
  j["contain_floor_ms"] = floor;
  j["contain"] = {{"tree_size", o.tree_size},
                  {"errors", m.contain.errors},
                  {"first_error", m.contain.first_error},
                  {"samples", samples}};
  j["breakdown"] = m.breakdown.to_json();
  j["breakdown_64k"] = m.breakdown_64k.to_json();
  j["rows"] = rows_json(rows);
  j["errors"] = m.errors;
  return j;
}

}  // namespace cordon::bench
