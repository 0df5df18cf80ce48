#include "cordon/client_commands.h"
#include "cordon/tool_def.h"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "client/client.h"
#include "cordon/result.h"
#include "cordon/run_command.h"
#include "cordon/utf8.h"

namespace cordon::cli {
namespace {

using json = nlohmann::json;
using Row = std::vector<std::string>;

constexpr int kExitNotFound = 1;        // `cordon kill`: no such call
constexpr int kExitUsage = 2;           // a bad combination of arguments
constexpr int kOpTimeoutMs = 60'000;    // for every op but run
constexpr std::size_t kArgvColumn = 40; // chars of argv `cordon ps` shows

// ---------------------------------------------------------------- text

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// `s` with terminal control characters (C0, DEL, C1) replaced by '?', so
// names and messages from the daemon cannot drive the terminal. Newlines
// and tabs stay if keep_newlines.
std::string printable(const std::string& s, bool keep_newlines = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(s[i + 1]) <= 0x9F;
    if (keep_newlines && (c == '\n' || c == '\t')) {
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else if (c1) {
      out += '?';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Display width, counting one column per code point.
std::size_t width_of(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

// At most `max` code points, ending in "..." when cut.
std::string truncate(const std::string& s, std::size_t max) {
  if (width_of(s) <= max || max < 3) return s;
  std::size_t keep = max - 3, seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if (!is_continuation(s[i]) && seen++ == keep) break;
  }
  return s.substr(0, i) + "...";
}

std::string pretty(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }
std::string compact(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A JSON value as one table cell: strings as they are, null as "-".
std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return printable(v.get<std::string>());
  return printable(compact(v));
}

// A member of an object, or nullptr (also when `obj` is not an object).
const json* at(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string field(const json& obj, const char* key) {
  const json* v = at(obj, key);
  return v ? cell(*v) : "-";
}

// A string member, or "" when missing or not a string.
std::string str(const json& obj, const char* key) {
  const json* v = at(obj, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

bool flag(const json& obj, const char* key) {
  const json* v = at(obj, key);
  return v && v->is_boolean() && v->get<bool>();
}

std::optional<int> int_field(const json& obj, const char* key) {
  const json* v = at(obj, key);
  if (!v || !v->is_number_integer()) return std::nullopt;
  return v->get<int>();
}

const json& object_or_empty(const json* v) {
  static const json empty = json::object();
  return v && v->is_object() ? *v : empty;
}

// Columns separated by two spaces, each as wide as its widest cell.
// An empty header prints no header line.
void print_table(const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> widths;
  auto measure = [&](const Row& r) {
    if (widths.size() < r.size()) widths.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], width_of(r[i]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  auto print_row = [&](const Row& r) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - width_of(r[i]) + 2, ' ');
    }
    std::cout << line << '\n';
  };
  if (!header.empty()) print_row(header);
  for (const auto& r : rows) print_row(r);
  std::cout.flush();
}

// ---------------------------------------------------------------- daemon

std::string socket_path(const ClientOptions& o) {
  return o.socket.empty() ? client::default_socket_path() : o.socket;
}

bool is_ok(const json& resp) { return flag(resp, "ok"); }

std::string error_code(const json& resp) { return str(object_or_empty(at(resp, "error")), "code"); }

void print_daemon_error(const json& resp) {
  const json& err = object_or_empty(at(resp, "error"));
  std::string code = str(err, "code"), message = str(err, "message");
  std::cerr << "cordon: " << printable(code.empty() ? "error" : code) << ": "
            << printable(message.empty() ? "cordond refused the request" : message) << std::endl;
  const json* errors = at(err, "errors");
  if (errors && errors->is_array()) {
    for (const auto& e : *errors) std::cerr << "cordon:   " << cell(e) << std::endl;
  }
}

// Connects, sends `req` and waits for its answer. On failure prints why
// (naming the socket) and returns nullopt.
std::optional<json> exchange(const ClientOptions& o, json req, const client::EventCallback& on_event,
                             int timeout_ms) {
  std::string path = socket_path(o), err;
  auto conn = client::Connection::open(path, err);
  if (!conn) {
    std::cerr << "cordon: " << printable(err) << " (is cordond running? see --socket and $CORDON_SOCKET)"
              << std::endl;
    return std::nullopt;
  }
  auto resp = conn->request(std::move(req), err, on_event, timeout_ms);
  if (!resp) std::cerr << "cordon: cordond at " << printable(path) << ": " << printable(err) << std::endl;
  return resp;
}

// Prints the response for --json, and the error of a failed one. Returns
// whether the daemon said ok.
bool report(const ClientOptions& o, const json& resp) {
  if (o.json) std::cout << pretty(resp) << std::endl;
  if (is_ok(resp)) return true;
  print_daemon_error(resp);
  return false;
}

// Sends an op without arguments. nullopt (with the exit status in `status`)
// unless the daemon said ok.
std::optional<json> simple_op(const ClientOptions& o, const char* op, int& status) {
  status = kExitSetupError;
  auto resp = exchange(o, {{"op", op}}, {}, kOpTimeoutMs);
  if (!resp || !report(o, *resp)) return std::nullopt;
  status = 0;
  return resp;
}

// ---------------------------------------------------------------- call

bool read_file(const std::string& path, std::string& out, std::string& err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = "cannot open --stdin file '" + path + "': " + std::system_category().message(errno);
    return false;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = "cannot read --stdin file '" + path + "': " + std::system_category().message(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  return true;
}

std::optional<json> build_run_request(const CallArgs& a, std::string& err) {
  json req = {{"op", "run"}, {"tool", a.tool}, {"argv", a.argv}};
  if (a.workspace) req["workspace"] = *a.workspace;
  if (a.stdin_file) {
    std::string data;
    if (!read_file(*a.stdin_file, data, err)) return std::nullopt;
    if (utf8_sanitize(data) != data) {
      err = "--stdin file '" + *a.stdin_file + "' is not valid UTF-8 (cordond takes text only)";
      return std::nullopt;
    }
    req["stdin"] = std::move(data);
  }
  if (!a.env.empty()) {
    json env = json::object();
    for (const auto& kv : a.env) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        err = "--env expects K=V, got '" + kv + "'";
        return std::nullopt;
      }
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    req["env"] = std::move(env);
  }
  if (a.timeout) {
    auto ms = parse_timeout_ms(*a.timeout);
    if (!ms || *ms == 0) {
      err = "bad --timeout '" + *a.timeout + "'";
      return std::nullopt;
    }
    req["timeout_ms"] = *ms;
  }
  if (a.stream) req["stream"] = true;
  return req;
}

// The exit status `cordon run` would give for this result object.
int exit_status_for_json(const json& result) {
  std::string outcome = str(result, "outcome");
  auto in_range = [](std::optional<int> v) { return v && *v >= 0 && *v <= 255; };
  if (outcome == "ok" || outcome == "exit_nonzero") {
    auto code = int_field(result, "exit_code");
    return !code ? 0 : in_range(code) ? *code : kExitSetupError;
  }
  if (outcome == "signaled") {
    auto sig = int_field(result, "signal");
    return in_range(sig) && *sig < 128 ? 128 + *sig : 128;
  }
  if (outcome == "timeout") return kExitTimeout;
  if (outcome == "memory_limit" || outcome == "pids_limit" || outcome == "output_limit") return kExitLimit;
  if (outcome == "violation") return kExitViolation;
  if (outcome == "killed") return kExitKilled;
  return kExitSetupError;  // setup_error, or an outcome this client does not know
}

// What --stream has already printed.
struct Streamed {
  bool stdout_seen = false;
  bool stderr_seen = false;
};

void print_output_event(const json& ev, Streamed& seen) {
  if (str(ev, "event") != "output") return;
  std::string stream = str(ev, "stream");
  if (stream == "stdout") {
    write_all(1, str(ev, "data"));
    seen.stdout_seen = true;
  } else if (stream == "stderr") {
    write_all(2, str(ev, "data"));
    seen.stderr_seen = true;
  }
}

std::string outcome_detail(const json& result) {
  std::string detail = str(result, "detail");
  std::string step = str(object_or_empty(at(result, "setup_error")), "step");
  if (str(result, "outcome") == "setup_error" && !step.empty()) detail = "at step '" + step + "': " + detail;
  return printable(detail, true);
}

// Output and notes for a result, like `cordon run` without --json.
void print_result(const json& result, const Streamed& seen) {
  const json& out = object_or_empty(at(result, "stdout"));
  const json& err = object_or_empty(at(result, "stderr"));
  if (!seen.stdout_seen) write_all(1, str(out, "data"));
  if (!seen.stderr_seen) write_all(2, str(err, "data"));
  std::string outcome = str(result, "outcome");
  if (outcome != "ok" && outcome != "exit_nonzero")
    std::cerr << "cordon: " << printable(outcome.empty() ? "unknown" : outcome) << ": " << outcome_detail(result)
              << std::endl;
  if (flag(out, "truncated") || flag(err, "truncated"))
    std::cerr << "cordon: output truncated (stdout " << field(out, "bytes") << " bytes, stderr " << field(err, "bytes")
              << " bytes)" << std::endl;
  const json* denials = at(result, "denied_syscalls");
  if (denials && denials->is_array()) {
    for (const auto& d : *denials)
      std::cerr << "cordon: denied " << field(d, "syscall") << " x" << field(d, "count") << " (" << field(d, "action")
                << ")" << std::endl;
  }
}

// ---------------------------------------------------------------- ps

std::string format_age(const json* age_ms) {
  if (!age_ms || !age_ms->is_number()) return "-";
  double s = std::max(age_ms->get<double>(), 0.0) / 1000.0;
  char buf[32];
  auto whole = static_cast<long long>(s);
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", whole / 60, whole % 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", whole / 3600, whole / 60 % 60);
  else
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", whole / 86400, whole / 3600 % 24);
  return buf;
}

std::string join_argv(const json* argv) {
  if (!argv || !argv->is_array()) return "-";
  std::string out;
  for (const auto& a : *argv) out += (out.empty() ? "" : " ") + cell(a);
  return truncate(out, kArgvColumn);
}

Row ps_row(const json& c) {
  return {field(c, "call_id"), field(c, "tenant"),           field(c, "uid"),          field(c, "pid"),
          field(c, "tool"),    field(c, "state"), format_age(at(c, "age_ms")), join_argv(at(c, "argv"))};
}

std::vector<Row> rows_of(const json& resp, const char* key, Row (*to_row)(const json&)) {
  std::vector<Row> rows;
  const json* items = at(resp, key);
  if (items && items->is_array()) {
    for (const auto& item : *items) rows.push_back(to_row(item));
  }
  return rows;
}

// ---------------------------------------------------------------- others

Row tool_row(const json& t) {
  return {field(t, "name"), field(t, "version"), field(t, "workspace"), field(t, "description")};
}

// Nested objects become dotted keys: by_outcome.ok 8.
void flatten(const json& v, const std::string& key, std::vector<Row>& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, child] : v.items()) flatten(child, key.empty() ? k : key + "." + k, out);
  } else if (!key.empty()) {
    out.push_back({printable(key), v.is_object() ? "-" : cell(v)});
  }
}

std::string kill_line(const json& k) {
  std::string line = "killed " + field(k, "call_id");
  const json* ms = at(k, "contain_ms");
  if (ms && ms->is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (contained in %.1f ms)", ms->get<double>());
    line += buf;
  }
  return line;
}

void add_connection_options(CLI::App* cmd, ClientOptions& o) {
  cmd->add_option("--socket", o.socket, "cordond's socket (default: $CORDON_SOCKET, else /run/cordon/cordond.sock)");
  cmd->add_flag("--json", o.json, "Print the daemon's JSON response");
}

// ---------------------------------------------------------------- stats

// Sends a request with fields. nullopt (with the exit status in `status`)
// unless the daemon said ok.
std::optional<json> request_op(const ClientOptions& o, json req, int& status) {
  status = kExitSetupError;
  auto resp = exchange(o, std::move(req), {}, kOpTimeoutMs);
  if (!resp || !report(o, *resp)) return std::nullopt;
  status = 0;
  return resp;
}

// A count member as text ("0" when missing).
std::string count_text(const json& obj, const char* key) {
  const json* v = at(obj, key);
  return v && v->is_number() ? cell(*v) : "0";
}

// A share (0..1) as "12.5%".
std::string percent(const json* share) {
  if (!share || !share->is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share->get<double>() * 100.0);
  return buf;
}

// Milliseconds with about three significant digits; "-" for null.
std::string ms(const json* v) {
  if (!v || !v->is_number()) return "-";
  double d = v->get<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, d < 10 ? "%.2f ms" : d < 100 ? "%.1f ms" : "%.0f ms", d);
  return buf;
}

// {"ok": 4, "killed": 3} as "ok 4, killed 3"; `none` when empty.
std::string counts_text(const json* obj, const char* none = "none") {
  std::string out;
  if (obj && obj->is_object())
    for (const auto& [k, v] : obj->items()) out += (out.empty() ? "" : ", ") + printable(k) + " " + cell(v);
  return out.empty() ? none : out;
}

std::string timing_text(const json& t) {
  return count_text(t, "count") + " calls: mean " + ms(at(t, "mean_ms")) + ", p50 " + ms(at(t, "p50_ms")) + ", p95 " +
         ms(at(t, "p95_ms")) + ", p99 " + ms(at(t, "p99_ms"));
}

// The scorecard's overall section, one figure per row.
std::vector<Row> scorecard_rows(const json& sc) {
  const json& exp = object_or_empty(at(sc, "exposure"));
  const json& blk = object_or_empty(at(sc, "blocked"));
  const json& cov = object_or_empty(at(sc, "coverage"));
  const json& con = object_or_empty(at(sc, "contain"));
  const json& lat = object_or_empty(at(sc, "latency"));
  std::vector<Row> rows;
  rows.push_back({"calls", count_text(sc, "calls") + " (" + counts_text(at(sc, "by_outcome")) + ")"});
  rows.push_back({"sensitive outputs", count_text(exp, "sensitive_outputs") + " (" + percent(at(exp, "exposure_rate")) +
                                           " of calls): " + count_text(exp, "redacted") + " redacted, " +
                                           count_text(exp, "withheld") + " withheld (" + percent(at(exp, "withheld_share")) +
                                           "), " + count_text(exp, "passed") + " passed"});
  rows.push_back({"findings by rule", counts_text(at(exp, "redactions"))});
  rows.push_back({"denied syscalls", count_text(blk, "denied_syscalls") + " (" + counts_text(at(blk, "denied_by_syscall")) + ")"});
  rows.push_back({"blocked", count_text(blk, "violations") + " violations, " + count_text(blk, "forbidden_requests") +
                                 " forbidden requests, " + count_text(blk, "limit_kills_total") + " limit kills (" +
                                 counts_text(at(blk, "limit_kills")) + "), " + count_text(blk, "injection_flags") +
                                 " injection flags, " + count_text(blk, "withheld_outputs") + " withheld outputs"});
  rows.push_back({"refused", counts_text(at(sc, "refused"))});
  rows.push_back({"control coverage", "full " + percent(at(cov, "full_coverage_share")) + " (" + count_text(cov, "full") +
                                          " of " + count_text(cov, "sandboxed_calls") + "), required " +
                                          percent(at(cov, "required_coverage_share")) + " (" + count_text(cov, "required") +
                                          " of " + count_text(cov, "sandboxed_calls") + ")"});
  std::string missing;
  const json* m = at(cov, "missing");
  if (m && m->is_object())
    for (const auto& [control, where] : m->items())
      missing += (missing.empty() ? "" : "; ") + printable(control) + " (" + counts_text(&where) + ")";
  rows.push_back({"missing controls", missing.empty() ? "none" : missing});
  rows.push_back({"time to contain", timing_text(con)});
  rows.push_back({"  operator kills", timing_text(object_or_empty(at(con, "operator")))});
  rows.push_back({"  automatic", timing_text(object_or_empty(at(con, "automatic")))});
  rows.push_back({"setup latency", timing_text(object_or_empty(at(lat, "setup")))});
  rows.push_back({"call latency", timing_text(object_or_empty(at(lat, "call")))});
  rows.push_back({"queue time", timing_text(object_or_empty(at(lat, "queue")))});
  return rows;
}

Row scorecard_tool_row(const std::string& tool, const json& t) {
  const json& exp = object_or_empty(at(t, "exposure"));
  const json& blk = object_or_empty(at(t, "blocked"));
  const json& cov = object_or_empty(at(t, "coverage"));
  const json& con = object_or_empty(at(t, "contain"));
  const json& call = object_or_empty(at(object_or_empty(at(t, "latency")), "call"));
  return {printable(tool),
          count_text(t, "calls"),
          counts_text(at(t, "by_outcome"), "-"),
          count_text(exp, "sensitive_outputs") + " (" + count_text(exp, "withheld") + " withheld)",
          count_text(blk, "denied_syscalls"),
          count_text(blk, "violations"),
          count_text(blk, "limit_kills_total"),
          count_text(blk, "forbidden_requests"),
          percent(at(cov, "full_coverage_share")),
          ms(at(con, "mean_ms")),
          ms(at(call, "p50_ms")),
          ms(at(call, "p99_ms"))};
}

void print_stats(const json& stats) {
  json flat = stats.is_object() ? stats : json::object();
  flat.erase("scorecard");
  std::vector<Row> rows;
  flatten(flat, "", rows);
  print_table({}, rows);
  const json* sc = at(stats, "scorecard");
  if (!sc || !sc->is_object()) return;
  std::cout << "\nscorecard\n";
  print_table({}, scorecard_rows(*sc));
  std::vector<Row> tools;
  const json* by_tool = at(*sc, "by_tool");
  if (by_tool && by_tool->is_object())
    for (const auto& [tool, t] : by_tool->items()) tools.push_back(scorecard_tool_row(tool, t));
  if (tools.empty()) return;
  std::cout << '\n';
  print_table({"TOOL", "CALLS", "OUTCOMES", "SENSITIVE", "DENIED", "VIOLATIONS", "LIMIT KILLS", "FORBIDDEN",
               "COVERAGE", "CONTAIN MEAN", "CALL P50", "CALL P99"},
              tools);
}

// `cordon stats --prometheus`: the daemon's Prometheus text, as it is
// (control characters other than newline and tab replaced).
int stats_prometheus_command(const ClientOptions& o) {
  int status = 0;
  auto resp = request_op(o, {{"op", "stats"}, {"format", "prometheus"}}, status);
  if (!resp || o.json) return status;
  const json* text = at(*resp, "text");
  if (!text || !text->is_string()) {
    std::cerr << "cordon: cordond's stats response has no Prometheus text (does it support format=prometheus?)"
              << std::endl;
    return kExitSetupError;
  }
  write_all(1, printable(text->get<std::string>(), true));
  return 0;
}

}  // namespace

int call_command(const CallArgs& a) {
  std::string err;
  auto req = build_run_request(a, err);
  if (!req) {
    std::cerr << "cordon: " << err << std::endl;
    return kExitSetupError;
  }
  Streamed seen;
  client::EventCallback on_event = [&](const json& ev) {
    if (a.client.json)
      std::cout << compact(ev) << std::endl;
    else
      print_output_event(ev, seen);
  };
  auto resp = exchange(a.client, std::move(*req), a.stream ? on_event : client::EventCallback{}, -1);
  if (!resp) return kExitSetupError;
  if (a.client.json) std::cout << (a.stream ? compact(*resp) : pretty(*resp)) << std::endl;
  if (!is_ok(*resp)) {
    print_daemon_error(*resp);
    return kExitSetupError;
  }
  const json& result = object_or_empty(at(*resp, "result"));
  if (!a.client.json) print_result(result, seen);
  return exit_status_for_json(result);
}

int ps_command(const ClientOptions& o) {
  int status = 0;
  auto resp = simple_op(o, "ps", status);
  if (resp && !o.json)
    print_table({"CALL", "TENANT", "UID", "PID", "TOOL", "STATE", "AGE", "ARGV"}, rows_of(*resp, "calls", ps_row));
  return status;
}

int kill_command(const KillArgs& a) {
  json req = {{"op", "kill"}};
  int selectors = 0;
  auto select = [&](const char* key, const json& value, bool given) {
    if (!given) return;
    req[key] = value;
    ++selectors;
  };
  select("call_id", a.call_id.value_or(""), a.call_id.has_value());
  select("tool", a.tool.value_or(""), a.tool.has_value());
  select("tenant", a.tenant.value_or(""), a.tenant.has_value());
  select("all", true, a.all);
  if (selectors != 1) {
    std::cerr << "cordon kill: give exactly one of CALL_ID, --tool, --tenant or --all" << std::endl;
    return kExitUsage;
  }
  auto resp = exchange(a.client, std::move(req), {}, kOpTimeoutMs);
  if (!resp) return kExitSetupError;
  if (!report(a.client, *resp)) return error_code(*resp) == "not_found" ? kExitNotFound : kExitSetupError;
  if (a.client.json) return 0;
  const json* killed = at(*resp, "killed");
  if (!killed || !killed->is_array() || killed->empty()) {
    std::cout << "nothing to kill" << std::endl;
    return 0;
  }
  for (const auto& k : *killed) std::cout << kill_line(k) << '\n';
  std::cout.flush();
  return 0;
}

// The definitions the caller may use, in the shape an API accepts.
int tools_format_command(ClientOptions o, const std::string& format) {
  if (format != "openai" && format != "anthropic" && format != "mcp") {
    std::cerr << "cordon: --format must be openai, anthropic or mcp" << std::endl;
    return kExitSetupError;
  }
  o.json = false;
  int status = 0;
  auto resp = simple_op(o, "tools", status);
  if (!resp) return status;
  json out = json::array();
  const json* tools = at(*resp, "tools");
  if (tools && tools->is_array())
    for (const auto& t : *tools) {
      if (!t.is_object() || !t.contains("definition")) continue;
      const json& d = t["definition"];
      ToolDefinition def;
      def.name = d.value("name", "");
      def.description = d.value("description", "");
      def.parameters = d.value("parameters", json::object());
      out.push_back(tool_definition_for(def, format));
    }
  std::cout << out.dump(2) << std::endl;
  return 0;
}

int tools_command(const ClientOptions& o) {
  int status = 0;
  auto resp = simple_op(o, "tools", status);
  if (resp && !o.json) print_table({"NAME", "VERSION", "WORKSPACE", "DESCRIPTION"}, rows_of(*resp, "tools", tool_row));
  return status;
}

int stats_command(const ClientOptions& o) {
  int status = 0;
  auto resp = simple_op(o, "stats", status);
  if (resp && !o.json) print_stats(object_or_empty(at(*resp, "stats")));
  return status;
}

int health_command(const ClientOptions& o) {
  int status = 0;
  auto resp = simple_op(o, "health", status);
  if (!resp) return status;
  std::string health = str(*resp, "status");
  if (!o.json) {
    std::string line = printable(health.empty() ? "unknown" : health) + " (cordond " + field(*resp, "version") + ", " +
                       field(*resp, "profiles") + " profiles)";
    std::cout << line << std::endl;
  }
  return health == "ok" ? 0 : 1;
}

void add_client_commands(CLI::App& app, ClientCommands& c) {
  c.call_cmd = app.add_subcommand("call", "Run one tool call through cordond");
  add_connection_options(c.call_cmd, c.call.client);
  c.call_cmd->add_option("-w,--workspace", c.call.workspace, "Directory relative to your workspace root");
  c.call_cmd->add_option("--stdin", c.call.stdin_file, "UTF-8 file to give the tool as stdin (default: empty)");
  c.call_cmd->add_option("-e,--env", c.call.env, "Variable K=V the profile lets callers pass")->allow_extra_args(false);
  c.call_cmd->add_option("-t,--timeout", c.call.timeout, "Wall-time limit (e.g. 500ms, 2s), at most the profile's");
  c.call_cmd->add_flag("--stream", c.call.stream,
                       "Print output as the tool writes it (with --json: one JSON line per event)");
  c.call_cmd->add_option("tool", c.call.tool, "The tool (profile name)")->required();
  c.call_cmd->add_option("argv", c.call.argv, "The command to run (after --)")->required();

  c.ps_cmd = app.add_subcommand("ps", "List running and queued calls");
  add_connection_options(c.ps_cmd, c.ps);

  c.kill_cmd = app.add_subcommand("kill", "Stop calls: one CALL_ID, or every call of --tool, --tenant or --all");
  add_connection_options(c.kill_cmd, c.kill.client);
  c.kill_cmd->add_option("call_id", c.kill.call_id, "The call to stop (e.g. c-1)");
  c.kill_cmd->add_option("--tool", c.kill.tool, "Stop every call of this tool");
  c.kill_cmd->add_option("--tenant", c.kill.tenant, "Stop every call of this tenant (admin)");
  c.kill_cmd->add_flag("--all", c.kill.all, "Stop every call (admin)");

  c.tools_cmd = app.add_subcommand("tools", "List the tools you may run");
  add_connection_options(c.tools_cmd, c.tools);
  c.tools_cmd->add_option("--format", c.tools_format,
                          "Print the tool definitions for a model API: openai, anthropic or mcp");

  c.stats_cmd = app.add_subcommand("stats", "Show the daemon's counters");
  add_connection_options(c.stats_cmd, c.stats);
  c.stats_cmd->add_flag("--prometheus")->description("Print the figures in Prometheus text format");

  c.health_cmd = app.add_subcommand("health", "Check that cordond answers (exit 0 if healthy)");
  add_connection_options(c.health_cmd, c.health);
}

std::optional<int> run_client_command(const ClientCommands& c) {
  if (c.call_cmd && c.call_cmd->parsed()) return call_command(c.call);
  if (c.ps_cmd && c.ps_cmd->parsed()) return ps_command(c.ps);
  if (c.kill_cmd && c.kill_cmd->parsed()) return kill_command(c.kill);
  if (c.tools_cmd && c.tools_cmd->parsed())
    return c.tools_format.empty() ? tools_command(c.tools) : tools_format_command(c.tools, c.tools_format);
  if (c.stats_cmd && c.stats_cmd->parsed())
    return c.stats_cmd->count("--prometheus") > 0 ? stats_prometheus_command(c.stats) : stats_command(c.stats);
  if (c.health_cmd && c.health_cmd->parsed()) return health_command(c.health);
  return std::nullopt;
}

}  // namespace cordon::cli
