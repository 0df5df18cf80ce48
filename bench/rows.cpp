#include "rows.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace cordon::bench {
namespace {

std::optional<double> ratio(double a, double b) {
  if (b <= 0) return std::nullopt;
  return a / b;
}

std::string short_error(const std::string& e) { return "failed: " + e.substr(0, 60); }

std::string signed_mib(double kib) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.2f MiB", kib / 1024.0);
  return buf;
}

// An issue target: value / reference <= limit (or >= for throughput).
struct Target {
  std::string text;
  enum class Ref { Floor, Bwrap, Absolute } ref = Ref::Absolute;
  double limit = 0;
  bool at_least = false;
};

std::optional<bool> judge(const Row& r, const std::optional<Target>& t) {
  if (!t) return std::nullopt;
  std::optional<double> x = t->ref == Target::Ref::Floor   ? r.x_floor
                            : t->ref == Target::Ref::Bwrap ? r.x_bwrap
                                                           : r.number;
  if (!x) return std::nullopt;
  return t->at_least ? *x >= t->limit : *x <= t->limit;
}

class RowMaker {
 public:
  RowMaker(const Options& o, const Measurements& m) : o_(o), m_(m) {}

  std::vector<Row> make() {
    latency();
    throughput();
    resources();
    containment();
    filter_share();
    return std::move(rows_);
  }

 private:
  // p50 and p99 rows for one latency variant; ratios compare like with like
  // (p50 with the reference's p50, p99 with its p99).
  void latency_pair(const std::string& key, const std::string& label, const char* floor_key, const char* bwrap_key,
                    std::optional<Target> t50 = {}, std::optional<Target> t99 = {}) {
    const Variant* v = m_.variant(key);
    const Summary f = m_.variant(floor_key) ? summarize(m_.variant(floor_key)->ms) : Summary{};
    const Summary b = m_.variant(bwrap_key) ? summarize(m_.variant(bwrap_key)->ms) : Summary{};
    const Summary s = v ? summarize(v->ms) : Summary{};
    for (int p : {50, 99}) {
      const auto& t = p == 50 ? t50 : t99;
      Row r;
      r.section = section_;
      r.figure = label + (p == 50 ? " p50" : " p99");
      r.unit = "ms";
      r.target = t ? t->text : "";
      if (!v) {
        r.value = "n/a (not implemented)";
      } else if (s.n == 0) {
        r.value = short_error(v->first_error);
      } else {
        const double val = p == 50 ? s.p50 : s.p99;
        r.value = fmt_ms(val);
        r.number = val;
        if (key != floor_key && f.n) r.x_floor = ratio(val, p == 50 ? f.p50 : f.p99);
        if (key != bwrap_key && b.n) r.x_bwrap = ratio(val, p == 50 ? b.p50 : b.p99);
        r.met = judge(r, t);
      }
      rows_.push_back(r);
    }
  }

  void latency() {
    section_ = "sequential latency: " + std::to_string(o_.rounds) + " interleaved rounds";
    using R = Target::Ref;
    latency_pair("floor", "fork+exec /bin/true (floor)", "floor", "bwrap");
    latency_pair("launch_floor", "two process starts: sh runs /bin/true", "floor", "bwrap");
    latency_pair("bwrap", "bwrap /bin/true", "floor", "bwrap");
    latency_pair("ns_floor", "kernel floor: ns+root+seccomp (C)", "floor", "bwrap");
    latency_pair("ns_floor_cg", "kernel floor + cgroups (C)", "floor", "bwrap");
    latency_pair("cordon_run", "cordon run one-shot", "floor", "bwrap", Target{"≤ 0.7× bwrap", R::Bwrap, 0.7});
    latency_pair("daemon_cold", "daemon call, cold (no pool)", "floor", "bwrap", Target{"≤ 0.5× bwrap", R::Bwrap, 0.5});
    latency_pair("daemon_warm", "daemon call, warm pool", "floor", "bwrap", Target{"≤ 2× floor", R::Floor, 2.0},
                 Target{"≤ 4× floor", R::Floor, 4.0});
    section_ = "python3 -c pass: ratios to python3's own floor and bwrap";
    latency_pair("py_floor", "fork+exec python3 (floor)", "py_floor", "py_bwrap");
    latency_pair("py_bwrap", "bwrap python3", "py_floor", "py_bwrap");
    latency_pair("py_daemon", "daemon call python3, cold", "py_floor", "py_bwrap");
  }

  void throughput() {
    std::ostringstream s;
    s << "throughput: calls/s, " << o_.tp_rounds << " × " << o_.window_s << " s each; ratios: higher is better";
    section_ = s.str();
    for (unsigned c : o_.concurrency) {
      const Rate* f = m_.rate("floor", c);
      const Rate* b = m_.rate("bwrap", c);
      for (const std::string key : {"floor", "bwrap", "ns_floor", "daemon_cold", "daemon_warm"}) {
        const Rate* rt = m_.rate(key, c);
        if (!rt && (key != "daemon_warm" || c != 8)) continue;  // the warm-pool gap is shown once
        std::string name = key == "floor"         ? "fork+exec /bin/true"
                           : key == "bwrap"       ? "bwrap"
                           : key == "ns_floor"    ? "kernel floor (C)"
                           : key == "daemon_cold" ? "daemon, cold"
                                                  : "daemon, warm pool";
        Row r;
        r.section = section_;
        r.figure = name + ", " + std::to_string(c) + (c == 1 ? " worker" : " workers");
        r.unit = "calls/s";
        std::optional<Target> t;
        if (key == "daemon_cold" && c == 8) t = Target{"≥ 2× bwrap", Target::Ref::Bwrap, 2.0, true};
        r.target = t ? t->text : "";
        if (!rt) {
          r.value = "n/a (not implemented)";
        } else if (rt->calls == 0) {
          r.value = short_error(rt->first_error);
        } else {
          r.value = fmt_rate(rt->per_s());
          r.number = rt->per_s();
          if (f && key != "floor") r.x_floor = ratio(rt->per_s(), f->per_s());
          if (b && key != "bwrap") r.x_bwrap = ratio(rt->per_s(), b->per_s());
          r.met = judge(r, t);
        }
        rows_.push_back(r);
      }
    }
  }

  void rss_row(const std::string& figure, const std::optional<ProcSnapshot>& s, std::optional<Target> t = {}) {
    Row r;
    r.section = section_;
    r.figure = figure;
    r.unit = "KiB";
    r.target = t ? t->text : "";
    if (s) {
      r.value = fmt_mib(static_cast<double>(s->rss_kib));
      r.number = static_cast<double>(s->rss_kib);
      r.met = judge(r, t);
    } else {
      r.value = "failed";
    }
    rows_.push_back(r);
  }

  void growth_row(const std::string& figure, const std::optional<ProcSnapshot>& from,
                  const std::optional<ProcSnapshot>& to, std::optional<Target> t = {}) {
    Row r;
    r.section = section_;
    r.figure = figure;
    r.unit = "KiB";
    r.target = t ? t->text : "";
    if (from && to) {
      const double g = static_cast<double>(to->rss_kib) - static_cast<double>(from->rss_kib);
      r.value = signed_mib(g);
      r.number = g;
      r.met = judge(r, t);
      if (r.met && m_.calls_at_after < o_.calls) r.met = false;  // fewer calls than asked for
    } else {
      r.value = "failed";
    }
    rows_.push_back(r);
  }

  void count_row(const std::string& figure, std::size_t ProcSnapshot::*field, bool no_growth_target) {
    Row r;
    r.section = section_;
    r.figure = figure + ", idle → end";
    r.unit = "count";
    if (no_growth_target) r.target = "no growth";
    if (m_.idle && m_.end) {
      const std::size_t a = (*m_.idle).*field, b = (*m_.end).*field;
      r.value = std::to_string(a) + " → " + std::to_string(b);
      r.number = static_cast<double>(b) - static_cast<double>(a);
      if (no_growth_target) r.met = b <= a;
    } else {
      r.value = "failed";
    }
    rows_.push_back(r);
  }

  void resources() {
    section_ = "daemon resources (cordond with " + std::to_string(o_.workers) + " workers)";
    const std::string n = std::to_string(m_.calls_at_after);
    rss_row("RSS idle, after start", m_.idle, Target{"≤ 16 MiB", Target::Ref::Absolute, 16.0 * 1024});
    rss_row("RSS after warm-up (" + std::to_string(m_.warmup_calls) + " calls, all workers)", m_.warm);
    rss_row("RSS after " + n + " calls", m_.after_calls);
    growth_row("RSS growth, warm-up → " + n + " calls", m_.warm, m_.after_calls,
               Target{"≤ 1 MiB", Target::Ref::Absolute, 1024});
    growth_row("RSS growth, idle → " + n + " calls", m_.idle, m_.after_calls);
    count_row("open fds", &ProcSnapshot::fds, true);
    count_row("mounts it sees", &ProcSnapshot::mounts, true);
    count_row("threads", &ProcSnapshot::threads, false);
    Row r;
    r.section = section_;
    r.figure = m_.warm_pool ? "per-call cgroups left (warm pool emptied)" : "per-call cgroups left at the end";
    r.unit = "count";
    r.target = "0";
    r.value = std::to_string(m_.cgroups_end);
    r.number = static_cast<double>(m_.cgroups_end);
    r.met = m_.cgroups_end == 0;
    rows_.push_back(r);
  }

  // p50/p99 of one field of a containment run; ×floor compares with the
  // kernel floor's kill time (the same tree, one SIGKILL, no cordon).
  void contain_pair(const std::string& figure, const ContainRun& run, double ContainSample::*field,
                    std::optional<Target> t99 = {}) {
    std::vector<double> v, fv;
    for (const auto& s : run.samples) v.push_back(s.*field);
    for (const auto& s : m_.contain_floor.samples) fv.push_back(s.kill_rtt_ms);
    const Summary s = summarize(v);
    const Summary f = summarize(fv);
    for (int p : {50, 99}) {
      const auto& t = p == 99 ? t99 : std::optional<Target>{};
      Row r;
      r.section = section_;
      r.figure = figure + (p == 50 ? " p50" : " p99");
      r.unit = "ms";
      r.target = t ? t->text : "";
      if (s.n == 0) {
        r.value = short_error(run.first_error);
      } else {
        r.value = fmt_ms(p == 50 ? s.p50 : s.p99);
        r.number = p == 50 ? s.p50 : s.p99;
        if (f.n) r.x_floor = ratio(*r.number, p == 50 ? f.p50 : f.p99);
        r.met = judge(r, t);
      }
      rows_.push_back(r);
    }
  }

  // The output filter's time inside a call that prints 64 KiB (from the
  // results' filter.filter_us), against that call's latency at the client.
  void filter_share() {
    section_ = "output filter in a call printing 64 KiB (" + std::to_string(m_.breakdown_64k.calls()) + " calls)";
    const Variant* v = m_.variant("daemon_64k");
    const Summary call = v ? summarize(v->ms) : Summary{};
    const Summary f = m_.breakdown_64k.filter_us();
    Row t;
    t.section = section_;
    t.figure = "filter time p50";
    t.unit = "ms";
    Row share = t;
    share.figure = "filter time / call latency, p50";
    share.unit = "%";
    share.target = "< 5%";
    if (f.n == 0 || call.n == 0) {
      t.value = share.value = v ? short_error(v->first_error) : "n/a";
    } else {
      t.value = fmt_ms(f.p50 / 1000.0);
      t.number = f.p50 / 1000.0;
      const double pct = 100.0 * (f.p50 / 1000.0) / call.p50;
      std::ostringstream s;
      s.setf(std::ios::fixed);
      s.precision(2);
      s << pct << " % of " << fmt_ms(call.p50);
      share.value = s.str();
      share.number = pct;
      share.met = pct < 5.0;
    }
    rows_.push_back(t);
    rows_.push_back(share);
  }

  void containment() {
    section_ = "containment: " + std::to_string(o_.tree_size) + "-process tree, `kill` op, " +
               std::to_string(o_.tree_reps) + " repetitions";
    contain_pair("kernel floor: SIGKILL to a plain pid ns init", m_.contain_floor, &ContainSample::kill_rtt_ms);
    contain_pair("kill sent → response (client)", m_.contain, &ContainSample::kill_rtt_ms,
                 Target{"≤ 20 ms", Target::Ref::Absolute, 20.0});
    contain_pair("contain_ms in the kill response", m_.contain, &ContainSample::daemon_contain_ms);
    contain_pair("contain_us in the call's result", m_.contain, &ContainSample::result_contain_ms);
  }

  const Options& o_;
  const Measurements& m_;
  std::vector<Row> rows_;
  std::string section_;
};

}  // namespace

std::vector<Row> make_rows(const Options& o, const Measurements& m) { return RowMaker(o, m).make(); }

void print_breakdown(std::ostream& out, const Measurements& m) {
  const Variant* d = m.variant("daemon_cold");
  const Breakdown& bd = m.breakdown;
  if (!d || bd.calls() == 0) return;
  char buf[200];
  auto line = [&](const char* what, double us, const char* note = "") {
    std::snprintf(buf, sizeof buf, "  %-42s %9.0f us%s\n", what, us, note);
    out << buf;
  };
  out << "\nWhere a cold daemon call's time goes (" << bd.calls()
      << " calls of /bin/true; means, from the results' own timings):\n";
  line("client round trip (measured here)", summarize(d->ms).mean * 1000);
  line("result time.wall_ms: spawn -> tree gone", bd.wall_ms().mean * 1000, "  (whole ms, rounded down)");
  line("result time.setup_us: clone -> execve", bd.setup_us().mean);
  if (bd.filter_us().n > 0) line("result filter.filter_us (output filter)", bd.filter_us().mean);
  out << "  setup steps, longest first (mean / p99 us):\n";
  for (const auto& [name, s] : bd.steps_by_cost()) {
    std::snprintf(buf, sizeof buf, "    %-24s %8.1f  %8.1f\n", name.c_str(), s.mean, s.p99);
    out << buf;
  }
}

}  // namespace cordon::bench
