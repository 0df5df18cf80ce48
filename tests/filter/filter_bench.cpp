// Output-filter benchmark (built, not run by ctest):
//   filter_bench [MiB=256] [regex_slice_KiB=512]
// Generates mixed realistic tool output with a realistic finding density and
// measures, on one core: StreamFilter throughput (64 KiB chunks appended to
// a reused buffer; best of 3, wall clock and the thread's CPU time, as the
// machine may be shared) for the full default configuration (also with a new
// string per chunk), without injection detection and secrets only; a naive per-rule std::regex pass over a slice; the latency the filter
// adds to a call whose output is 64 KiB (fresh filter with one exact value);
// and RuleSet::load_default() compiled vs from the build's sidecar cache vs
// from a cache directory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cordon/filter.h"

namespace {

using Clock = std::chrono::steady_clock;

double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string generate(std::size_t bytes, unsigned seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  auto hex = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "0123456789abcdef"[pick(16)];
    return s;
  };
  auto alnum = [&](int n) {
    static const char* A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < n; ++i) s += A[pick(62)];
    return s;
  };
  const char* words[] = {"the", "request", "server", "returned", "value", "config", "update", "user", "cache", "build",
                         "module", "error", "warning", "files", "changed", "test", "passed", "deploy", "version", "queue"};
  std::string out;
  out.reserve(bytes + 4096);
  std::size_t line = 0;
  while (out.size() < bytes) {
    ++line;
    std::size_t kind = pick(100);
    char buf[512];
    if (kind < 30) {  // log line
      std::snprintf(buf, sizeof buf, "2024-03-05T16:%02zu:%02zu.%03zuZ INFO  worker-%zu: %s %s in %zums trace=%s\n", pick(60), pick(60),
                    pick(1000), pick(16), words[pick(20)], words[pick(20)], pick(900), hex(32).c_str());
      out += buf;
    } else if (kind < 45) {  // directory listing
      std::snprintf(buf, sizeof buf, "-rw-r--r--  1 dev dev %6zu Mar %2zu %02zu:%02zu %s_%s.%s\n", pick(99999), 1 + pick(28), pick(24),
                    pick(60), words[pick(20)], words[pick(20)], pick(2) ? "py" : "json");
      out += buf;
    } else if (kind < 65) {  // JSON API record
      std::snprintf(buf, sizeof buf, "{\"id\": %zu, \"name\": \"%s %s\", \"sha\": \"%s\", \"uuid\": \"%s-%s-4%s-a%s-%s\", \"count\": %zu},\n",
                    pick(1000000), words[pick(20)], words[pick(20)], hex(40).c_str(), hex(8).c_str(), hex(4).c_str(), hex(3).c_str(),
                    hex(3).c_str(), hex(12).c_str(), pick(5000));
      out += buf;
    } else if (kind < 80) {  // source code
      std::snprintf(buf, sizeof buf, "    if (%s_%s != nullptr) { return process(%s, %zu); }  // %s the %s\n", words[pick(20)],
                    words[pick(20)], words[pick(20)], pick(100), words[pick(20)], words[pick(20)]);
      out += buf;
    } else {  // prose
      std::string s = "  ";
      for (int i = 0; i < 14; ++i) s += std::string(words[pick(20)]) + (i == 13 ? ".\n" : " ");
      out += s;
    }
    // Findings: roughly one PII item per 2 KiB and one secret per 32 KiB.
    if (line % 24 == 0) {
      std::size_t f = pick(4);
      if (f == 0) out += "contact: " + std::string(words[pick(20)]) + "." + words[pick(20)] + "@acme-corp.io\n";
      else if (f == 1) out += "client 203.0.113." + std::to_string(1 + pick(250)) + " connected\n";
      else if (f == 2) out += "phone: +44 7911 " + std::to_string(100000 + pick(899999)) + "\n";
      else out += "card 4111 1111 1111 1111\n";
    }
    if (line % 400 == 0) {
      std::size_t f = pick(4);
      if (f == 0) out += "export AWS_ACCESS_KEY_ID=AKIA" + std::string("Z3MSJV4WWNKWW5FG") + "\n";
      else if (f == 1) out += "token ghp_" + alnum(36) + "\n";
      else if (f == 2) out += "DATABASE_URL=postgres://app:" + alnum(14) + "@db.internal/app\n";
      else out += "Authorization: Bearer " + alnum(40) + "\n";
    }
  }
  return out;
}

// Rewrites a Hyperscan pattern into std::regex ECMAScript where possible.
bool to_std_regex(std::string p, std::regex& out) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  for (std::size_t k; (k = p.find("(?i)")) != std::string::npos;) {
    p.erase(k, 4);
    flags |= std::regex::icase;
  }
  try {
    out = std::regex(p, flags);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

// Wall and thread-CPU seconds of fn(), best of `reps` runs (the machine may be shared).
template <typename F>
std::pair<double, double> best_of(int reps, F fn) {
  double wall = 1e30, cpu = 1e30;
  for (int i = 0; i < reps; ++i) {
    timespec c0{}, c1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    auto t0 = Clock::now();
    fn();
    wall = std::min(wall, secs(t0, Clock::now()));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    cpu = std::min(cpu, static_cast<double>(c1.tv_sec - c0.tv_sec) + static_cast<double>(c1.tv_nsec - c0.tv_nsec) * 1e-9);
  }
  return {wall, cpu};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  std::size_t slice_kib = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 512;

  // 0. Loading the rules: compiled (no cache), from the build's sidecar, from a cache directory.
  cordon::RuleLoadOptions cold;
  cold.cache_dir.clear();
  cold.use_sidecar = false;
  auto t0 = Clock::now();
  auto compiled = cordon::RuleSet::load_default(cold);
  double load_cold_ms = secs(t0, Clock::now()) * 1e3;
  char dir_tmpl[] = "/tmp/cordon-bench-cache-XXXXXX";
  std::string dir = mkdtemp(dir_tmpl) ? dir_tmpl : "";
  cordon::RuleLoadOptions in_dir;
  in_dir.cache_dir = dir;
  in_dir.use_sidecar = false;
  cordon::RuleSet::load_default(in_dir);  // fills the directory
  std::vector<double> sidecar_ms, dir_ms;
  bool sidecar_used = false;
  for (int i = 0; i < 9; ++i) {
    cordon::RuleLoadOptions sc;
    sc.cache_dir.clear();
    t0 = Clock::now();
    auto r = cordon::RuleSet::load_default(sc);
    sidecar_ms.push_back(secs(t0, Clock::now()) * 1e3);
    sidecar_used = r->from_cache();
    t0 = Clock::now();
    cordon::RuleSet::load_default(in_dir);
    dir_ms.push_back(secs(t0, Clock::now()) * 1e3);
  }
  std::filesystem::remove_all(dir);
  std::sort(sidecar_ms.begin(), sidecar_ms.end());
  std::sort(dir_ms.begin(), dir_ms.end());
  auto rules = compiled;

  std::string data = generate(mib << 20, 42);
  const std::size_t chunk = 64 * 1024;
  const double data_mib = static_cast<double>(data.size()) / (1 << 20);

  // 1. StreamFilter throughput, single core, 64 KiB chunks: best of 3 runs.
  //    The output goes to a buffer the caller reuses (feed(chunk, out));
  //    the full configuration is also measured with feed() returning a new
  //    string per chunk.
  uint64_t findings = 0;
  std::size_t out_bytes = 0;
  auto run = [&](cordon::FilterOptions o, bool count, bool new_strings = false) {
    return best_of(3, [&] {
      cordon::StreamFilter f(rules, o);
      std::size_t n = 0;
      std::string out;
      for (std::size_t i = 0; i < data.size(); i += chunk) {
        std::string_view c = std::string_view(data).substr(i, chunk);
        if (new_strings) {
          n += f.feed(c).size();
        } else {
          out.clear();
          f.feed(c, out);
          n += out.size();
        }
      }
      n += f.finish().size();
      if (count) {
        out_bytes = n;
        findings = 0;
        for (auto& [k, v] : f.report().counts_by_rule) findings += v;
      }
    });
  };
  auto full = run({}, true);
  auto full_strings = run({}, false, true);
  cordon::FilterOptions noinj;
  noinj.detect_injection = false;
  auto redact_only = run(noinj, false);
  cordon::FilterOptions sec;
  sec.detect_injection = false;
  sec.detect_pii = false;
  auto secrets_only = run(sec, false);
  auto mibs = [&](double s) { return data_mib / s; };

  // 2. Naive per-rule std::regex over a slice.
  std::ifstream rf(cordon::RuleSet::default_rules_path());
  auto doc = nlohmann::json::parse(rf);
  std::vector<std::regex> res;
  std::size_t unsupported = 0;
  for (auto& r : doc["rules"]) {
    std::regex re;
    if (to_std_regex(r["pattern"].get<std::string>(), re)) res.push_back(std::move(re));
    else ++unsupported;
  }
  std::string slice = data.substr(0, slice_kib << 10);
  std::size_t regex_hits = 0;
  t0 = Clock::now();
  for (auto& re : res)
    for (auto it = std::sregex_iterator(slice.begin(), slice.end(), re); it != std::sregex_iterator(); ++it) ++regex_hits;
  double t_regex = secs(t0, Clock::now());
  double regex_mibs = static_cast<double>(slice.size()) / (1 << 20) / t_regex;

  // 3. Added latency for one call with 64 KiB of output: a fresh filter with
  //    one exact value, feed, finish (the rules are loaded once per process).
  std::vector<double> lat;
  std::string out64 = data.substr(1 << 20, 64 * 1024);
  for (int i = 0; i < 400; ++i) {
    auto a = Clock::now();
    cordon::StreamFilter g(rules, {});
    g.add_exact_value("api-token", "tok-3f9a77c1e2b54d08");
    std::string o = g.feed(out64);
    o += g.finish();
    lat.push_back(secs(a, Clock::now()) * 1e6);
  }
  std::sort(lat.begin(), lat.end());

  std::printf("input: %zu MiB generated, %llu findings (%.1f per MiB), chunk %zu KiB, rules: %zu secret + %zu pii\n", mib,
              static_cast<unsigned long long>(findings), static_cast<double>(findings) / static_cast<double>(mib), chunk >> 10,
              rules->count_kind("secret"), rules->count_kind("pii"));
  std::printf("%-46s %12s %14s\n", "measure (best of 3)", "wall", "thread CPU");
  std::printf("%-46s %7.0f MiB/s %8.0f MiB/s\n", "StreamFilter (secrets + PII + injection)", mibs(full.first), mibs(full.second));
  std::printf("%-46s %7.0f MiB/s %8.0f MiB/s\n", "  the same, feed() returning a string per chunk", mibs(full_strings.first),
              mibs(full_strings.second));
  std::printf("%-46s %7.0f MiB/s %8.0f MiB/s\n", "StreamFilter (secrets + PII, no injection)", mibs(redact_only.first),
              mibs(redact_only.second));
  std::printf("%-46s %7.0f MiB/s %8.0f MiB/s\n", "StreamFilter (secrets only, no PII/injection)", mibs(secrets_only.first),
              mibs(secrets_only.second));
  std::printf("%-46s %9.2f MiB/s  (%zu rules, %zu not expressible, %zu KiB slice, %zu hits)\n", "naive per-rule std::regex",
              regex_mibs, res.size(), unsupported, slice_kib, regex_hits);
  std::printf("%-46s %9.0fx\n", "speed-up over std::regex (full, wall)", mibs(full.first) / regex_mibs);
  std::printf("%-46s %9.0f us p50, %.0f us p99\n", "64 KiB call: new filter + exact value + feed", lat[lat.size() / 2],
              lat[lat.size() * 99 / 100]);
  std::printf("%-46s %9.0f ms\n", "RuleSet::load_default, compiled (no cache)", load_cold_ms);
  std::printf("%-46s %9.1f ms median, %.1f ms min%s\n", "RuleSet::load_default, build sidecar", sidecar_ms[sidecar_ms.size() / 2],
              sidecar_ms[0], sidecar_used ? "" : "  (NOT USED: sidecar missing or stale)");
  std::printf("%-46s %9.1f ms median, %.1f ms min\n", "RuleSet::load_default, $CORDON_RULES_CACHE dir", dir_ms[dir_ms.size() / 2],
              dir_ms[0]);
  std::printf("%-46s %9zu bytes in, %zu out\n", "volume", data.size(), out_bytes);
  return 0;
}
