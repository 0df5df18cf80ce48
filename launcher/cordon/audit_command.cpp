#include "cordon/audit_command.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "cordon/audit.h"

namespace cordon::cli {
namespace {

constexpr int kIntact = 0, kProblem = 1, kUsage = 2;

int usage_error(const char* cmd, const std::string& error, bool json) {
  if (json) std::cout << nlohmann::ordered_json{{"status", "error"}, {"error", error}}.dump() << "\n";
  std::cerr << "cordon audit " << cmd << ": " << error << "\n";
  return kUsage;
}

int do_verify(const AuditCommands& c) {
  if (!c.anchor.empty() && c.no_anchor) return usage_error("verify", "--anchor and --no-anchor exclude each other", c.json);
  AuditVerifyOptions o;
  if (!c.anchor.empty()) o.anchor = c.anchor;
  o.find_anchor = !c.no_anchor;
  o.require_start = c.from_start;
  AuditVerifyResult r = verify_audit_log(c.files, o);
  if (!r.error.empty()) return usage_error("verify", r.error, c.json);
  if (r.problem) {
    const AuditProblem& p = *r.problem;
    if (c.json) {
      nlohmann::ordered_json j = {{"status", "problem"}, {"kind", audit_problem_name(p.kind)},
                                  {"file", p.file},      {"line", p.line}};
      j["seq"] = p.seq ? nlohmann::ordered_json(*p.seq) : nlohmann::ordered_json();
      j["detail"] = p.detail;
      std::cout << j.dump() << "\n";
    } else {
      std::cout << p.file << ":" << p.line << ": ";
      if (p.seq) std::cout << "seq " << *p.seq << ": ";
      std::cout << audit_problem_name(p.kind) << ": " << p.detail << "\n";
    }
    return kProblem;
  }
  const AuditIntact& in = r.intact;
  if (c.json) {
    nlohmann::ordered_json j = {{"status", "intact"},        {"records", in.records},
                                {"first_seq", in.first_seq}, {"last_seq", in.last_seq},
                                {"last_hash", in.last_hash}, {"files", in.files}};
    j["anchor"] = in.anchor.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(in.anchor);
    j["notes"] = in.notes;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "intact: " << in.records << " record" << (in.records == 1 ? "" : "s");
    if (in.records > 0) std::cout << ", seq " << in.first_seq << ".." << in.last_seq;
    std::cout << ", " << in.files.size() << " file" << (in.files.size() == 1 ? "" : "s") << "\n";
    std::cout << "last hash: " << in.last_hash << "\n";
    if (!in.anchor.empty()) std::cout << "anchor: " << in.anchor << "\n";
    for (const auto& n : in.notes) std::cout << "note: " << n << "\n";
  }
  return kIntact;
}

std::string member(const nlohmann::ordered_json& r, const char* name) {
  auto it = r.find(name);
  if (it == r.end()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

int do_query(const AuditCommands& c) {
  AuditFilter f;
  f.tools = c.tools;
  f.tenants = c.tenants;
  f.outcomes = c.outcomes;
  f.kinds = c.kinds;
  const auto now = std::chrono::system_clock::now();
  std::string err;
  if (!c.since.empty() && !(f.since_ms = parse_audit_time(c.since, now, err))) return usage_error("query", "--since: " + err, false);
  if (!c.until.empty() && !(f.until_ms = parse_audit_time(c.until, now, err))) return usage_error("query", "--until: " + err, false);
  std::vector<std::vector<std::string>> rows;
  if (c.table) rows.push_back({"SEQ", "TIME", "KIND", "TENANT", "TOOL", "OUTCOME"});
  AuditQueryStats s = query_audit_log(c.files, f, [&](std::string_view line, const nlohmann::ordered_json& r) {
    if (c.table)
      rows.push_back({member(r, "seq"), member(r, "ts"), member(r, "kind"), member(r, "tenant"), member(r, "tool"),
                      member(r, "outcome")});
    else
      std::cout << line << "\n";
  });
  if (c.table) print_table(rows);
  std::cout.flush();
  if (!s.error.empty()) return usage_error("query", s.error, false);
  if (s.skipped > 0)
    std::cerr << "cordon audit query: skipped " << s.skipped << " line" << (s.skipped == 1 ? "" : "s")
              << " that are not audit records (run `cordon audit verify`)\n";
  return 0;
}

}  // namespace

void add_audit_commands(CLI::App& app, AuditCommands& c) {
  c.audit = app.add_subcommand("audit", "Check and search the audit log");
  c.audit->require_subcommand(1);
  c.verify = c.audit->add_subcommand(
      "verify", "Check the hash chain: the first modified, deleted, reordered or truncated record (exit 1), or intact (exit 0)");
  c.verify->add_option("files", c.files, "Log files, rotated ones too, in any order (an anchor file may be among them)")
      ->required();
  c.verify->add_option("--anchor", c.anchor, "Anchor file (default: <file>.head next to a given file)");
  c.verify->add_flag("--no-anchor", c.no_anchor, "Do not use an anchor (trailing removals go undetected)");
  c.verify->add_flag("--from-start", c.from_start, "The files hold the whole log: the chain must start at seq 1");
  c.verify->add_flag("--json", c.json, "One JSON object instead of text");

  c.query = c.audit->add_subcommand("query", "Print the records that match every filter given (JSON lines, or --table)");
  c.query->add_option("files", c.files, "Log files, rotated ones too, in any order")->required();
  auto list = [&](const char* name, std::vector<std::string>& into, const char* help) {
    c.query->add_option(name, into, help)->allow_extra_args(false)->delimiter(',');
  };
  list("--tool", c.tools, "Tool name (repeat or comma-separate for any of several)");
  list("--tenant", c.tenants, "Tenant");
  list("--outcome", c.outcomes, "Outcome, e.g. ok, timeout, violation");
  list("--kind", c.kinds, "Record kind: call, or an operator event such as kill, reload, denied");
  c.query->add_option("--since", c.since, "From this time on: RFC 3339, or a duration ago (90s, 15m, 1h, 2d)");
  c.query->add_option("--until", c.until, "Before this time: RFC 3339, or a duration ago");
  c.query->add_flag("--table", c.table, "A compact table instead of JSON lines");
}

std::optional<int> run_audit_command(const AuditCommands& c) {
  if (c.verify && c.verify->parsed()) return do_verify(c);
  if (c.query && c.query->parsed()) return do_query(c);
  return std::nullopt;
}

std::optional<int> audit_usage_status(const AuditCommands& c) {
  if (c.audit && c.audit->parsed()) return kUsage;
  return std::nullopt;
}

}  // namespace cordon::cli
