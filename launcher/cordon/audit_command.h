// `cordon audit verify|query`: operator tools over the audit log (format
// and guarantees in cordon/audit.h). They read files only; no daemon.
//
// verify FILE...   [--anchor FILE | --no-anchor] [--from-start] [--json]
//   Exit 0: the chain is intact; 1: the first problem is printed as
//   "FILE:LINE: seq N: KIND: detail"; 2: usage or IO error.
// query FILE...    [--tool T] [--tenant T] [--outcome O] [--kind K]
//                  [--since TIME] [--until TIME] [--table]
//   Matching records as stored (JSON lines) or a compact table. Filters
//   repeat or take comma lists (any of); TIME is RFC 3339 or "1h"/"2d" ago.
//   Exit 0, or 2 on usage or IO error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cordon::cli {

struct AuditCommands {
  CLI::App* audit = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* query = nullptr;
  std::vector<std::string> files;
  bool json = false;
  std::string anchor;
  bool no_anchor = false;
  bool from_start = false;
  std::vector<std::string> tools, tenants, outcomes, kinds;
  std::string since, until;
  bool table = false;
};

void add_audit_commands(CLI::App& app, AuditCommands& cmds);
// The exit status when one of these commands was parsed.
std::optional<int> run_audit_command(const AuditCommands& cmds);
// Exit status for a command-line error (CLI::ParseError) when it happened
// within `cordon audit`: 2. nullopt otherwise.
std::optional<int> audit_usage_status(const AuditCommands& cmds);

}  // namespace cordon::cli
