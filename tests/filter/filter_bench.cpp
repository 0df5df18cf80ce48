// Output-filter benchmark (built, not run by ctest):
//   filter_bench [MiB=256] [regex_slice_KiB=512]
// Generates mixed realistic tool output with a realistic finding density,
// measures single-core StreamFilter throughput (64 KiB chunks), a naive
// per-rule std::regex pass over a slice (extrapolated), and the latency the
// filter adds to a call whose output is 64 KiB.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  std::size_t slice_kib = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 512;
  auto rules = cordon::RuleSet::load_default();

  auto t0 = Clock::now();
  auto rs2 = cordon::RuleSet::load_default();
  double load_ms = secs(t0, Clock::now()) * 1e3;

  std::string data = generate(mib << 20, 42);
  const std::size_t chunk = 64 * 1024;

  // 1. StreamFilter throughput, single core.
  cordon::StreamFilter f(rules, {});
  std::size_t out_bytes = 0;
  t0 = Clock::now();
  for (std::size_t i = 0; i < data.size(); i += chunk) out_bytes += f.feed(std::string_view(data).substr(i, chunk)).size();
  out_bytes += f.finish().size();
  double t_filter = secs(t0, Clock::now());
  auto rep = f.report();
  uint64_t findings = 0;
  for (auto& [k, v] : rep.counts_by_rule) findings += v;
  double mibs = static_cast<double>(data.size()) / (1 << 20) / t_filter;

  // 1b. Same, with injection detection off (redaction only).
  cordon::FilterOptions noinj;
  noinj.detect_injection = false;
  cordon::StreamFilter f2(rules, noinj);
  t0 = Clock::now();
  for (std::size_t i = 0; i < data.size(); i += chunk) f2.feed(std::string_view(data).substr(i, chunk));
  f2.finish();
  double mibs_noinj = static_cast<double>(data.size()) / (1 << 20) / secs(t0, Clock::now());

  // 1c. Secrets and exact values only (detect_pii = false, no injection).
  cordon::FilterOptions sec;
  sec.detect_injection = false;
  sec.detect_pii = false;
  cordon::StreamFilter f3(rules, sec);
  t0 = Clock::now();
  for (std::size_t i = 0; i < data.size(); i += chunk) f3.feed(std::string_view(data).substr(i, chunk));
  f3.finish();
  double mibs_sec = static_cast<double>(data.size()) / (1 << 20) / secs(t0, Clock::now());

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

  // 3. Added latency for one call with 64 KiB of output (fresh filter per call).
  std::vector<double> lat;
  std::string out64 = data.substr(1 << 20, 64 * 1024);
  for (int i = 0; i < 200; ++i) {
    auto a = Clock::now();
    cordon::StreamFilter g(rules, {});
    std::string o = g.feed(out64);
    o += g.finish();
    lat.push_back(secs(a, Clock::now()) * 1e6);
  }
  std::sort(lat.begin(), lat.end());

  std::printf("input: %zu MiB generated, %llu findings (%.1f per MiB), chunk %zu KiB, rules: %zu secret + %zu pii\n", mib,
              static_cast<unsigned long long>(findings), static_cast<double>(findings) / static_cast<double>(mib), chunk >> 10,
              rules->count_kind("secret"), rules->count_kind("pii"));
  std::printf("%-44s %12s\n", "measure", "value");
  std::printf("%-44s %9.0f MiB/s\n", "StreamFilter (redaction + injection)", mibs);
  std::printf("%-44s %9.0f MiB/s\n", "StreamFilter (redaction only)", mibs_noinj);
  std::printf("%-44s %9.0f MiB/s\n", "StreamFilter (secrets only, no PII/injection)", mibs_sec);
  std::printf("%-44s %9.2f MiB/s  (%zu rules, %zu not expressible, %zu KiB slice, %zu hits)\n", "naive per-rule std::regex",
              regex_mibs, res.size(), unsupported, slice_kib, regex_hits);
  std::printf("%-44s %9.0fx\n", "speed-up over std::regex", mibs / regex_mibs);
  std::printf("%-44s %9.0f us p50, %.0f us p99\n", "64 KiB call: new filter + feed + finish", lat[lat.size() / 2],
              lat[lat.size() * 99 / 100]);
  std::printf("%-44s %9.1f ms (once per process)\n", "RuleSet::load_default (compile)", load_ms);
  std::printf("%-44s %9zu bytes in, %zu out\n", "volume", data.size(), out_bytes);
  return 0;
}
