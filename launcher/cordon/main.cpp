// The `cordon` command line.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cordon/audit_command.h"
#include "cordon/client_commands.h"
#include "cordon/mcp_command.h"
#include "cordon/profile_commands.h"
#include "cordon/run_command.h"

int main(int argc, char** argv) {
  CLI::App app{"cordon: run tools for AI agents in a sandbox"};
  app.set_version_flag("--version", CORDON_VERSION);
  app.require_subcommand(1);

  cordon::cli::RunArgs run;
  auto* cmd = app.add_subcommand("run", "Run one tool call in a fresh sandbox, without a daemon");
  cmd->add_option("-p,--profile", run.profile, "Profile name or path")->required();
  cmd->add_option("--profile-dir", run.profile_dirs, "Extra directory to look up profile names in");
  cmd->add_option("-w,--workdir", run.workdir, "Host directory for the profile's workspace");
  cmd->add_option("--stdin", run.stdin_file, "File to give the tool as stdin (default: empty)");
  cmd->add_option("-e,--env", run.env, "Variable K=V the profile lets callers pass");
  cmd->add_option("-t,--timeout", run.timeout, "Wall-time limit (e.g. 500ms, 2s), at most the profile's");
  cmd->add_flag("--json", run.json, "Print one JSON result object instead of the tool's output");
  cmd->add_option("--secrets", run.secrets_file,
                  "JSON file {\"name\": \"value\"} (mode 0600) with the secrets the profile grants");
  cmd->add_option("--secret", run.secret_names, "Deliver only this granted secret (repeatable; default: all)");
  cmd->add_option("--test-skip-control", run.test_skip_control)->group("");  // tests only
  cmd->add_option("argv", run.argv, "The command to run (after --)")->required();
  cmd->positionals_at_end();

  cordon::cli::ClientCommands client;
  cordon::cli::add_client_commands(app, client);
  cordon::cli::ProfileCommands profile;
  cordon::cli::add_profile_commands(app, profile);
  cordon::cli::AuditCommands audit;
  cordon::cli::add_audit_commands(app, audit);
  cordon::cli::McpCommand mcp;
  cordon::cli::add_mcp_command(app, mcp);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (rc != 0) return cordon::cli::audit_usage_status(audit).value_or(125);
    return 0;
  }
  if (cmd->parsed()) return cordon::cli::run_command(run);
  if (auto rc = cordon::cli::run_client_command(client)) return *rc;
  if (auto rc = cordon::cli::run_profile_command(profile)) return *rc;
  if (auto rc = cordon::cli::run_audit_command(audit)) return *rc;
  if (auto rc = cordon::cli::run_mcp_command(mcp)) return *rc;
  return 125;
}
