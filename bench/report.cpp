#include "report.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace cordon::bench {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Display width of UTF-8 text (counts code points; the table uses × and →).
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > width(s) ? w - width(s) : 0, ' '); }

}  // namespace

std::string fmt_ms(double ms) { return ms < 10 ? fmt("%.2f ms", ms) : ms < 100 ? fmt("%.1f ms", ms) : fmt("%.0f ms", ms); }
std::string fmt_rate(double per_s) { return fmt("%.0f calls/s", per_s); }
std::string fmt_mib(double kib) { return fmt("%.1f MiB", kib / 1024.0); }
std::string fmt_ratio(const std::optional<double>& r) {
  if (!r) return "";
  return *r < 10 ? fmt("%.2f×", *r) : fmt("%.1f×", *r);
}

void print_table(std::ostream& out, const std::vector<Row>& rows) {
  const std::array<std::string, 6> head = {"figure", "value", "×floor", "×bwrap", "target", "met?"};
  auto cells = [](const Row& r) {
    return std::array<std::string, 6>{r.figure, r.value, fmt_ratio(r.x_floor), fmt_ratio(r.x_bwrap), r.target,
                                      r.met ? (*r.met ? "yes" : "NO") : ""};
  };
  std::array<std::size_t, 6> w{};
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = width(head[i]);
  for (const auto& r : rows) {
    auto c = cells(r);
    for (std::size_t i = 0; i < c.size(); ++i) w[i] = std::max(w[i], width(c[i]));
  }
  auto line = [&](const std::array<std::string, 6>& c) {
    std::string s;
    for (std::size_t i = 0; i < c.size(); ++i) s += (i ? "  " : "") + pad(c[i], w[i]);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  line(head);
  std::size_t total = 0;
  for (auto x : w) total += x;
  out << std::string(total + 2 * (w.size() - 1), '-') << "\n";
  std::string section;
  for (const auto& r : rows) {
    if (r.section != section) {
      section = r.section;
      out << "[" << section << "]\n";
    }
    line(cells(r));
  }
}

nlohmann::json rows_json(const std::vector<Row>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j = {{"section", r.section}, {"figure", r.figure}, {"value", r.value}, {"unit", r.unit}};
    j["number"] = r.number ? nlohmann::json(*r.number) : nlohmann::json(nullptr);
    j["x_floor"] = r.x_floor ? nlohmann::json(*r.x_floor) : nlohmann::json(nullptr);
    j["x_bwrap"] = r.x_bwrap ? nlohmann::json(*r.x_bwrap) : nlohmann::json(nullptr);
    j["target"] = r.target;
    j["met"] = r.met ? nlohmann::json(*r.met) : nlohmann::json(nullptr);
    a.push_back(j);
  }
  return a;
}

}  // namespace cordon::bench
