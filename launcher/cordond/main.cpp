// cordond: the Cordon daemon. Serves protocol v1 on a Unix socket.
#include <utility>  // before Boost 1.74 asio: its awaitable.hpp uses std::exchange
#include <boost/asio.hpp>
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <malloc.h>
#include <sys/stat.h>

#include "cordon/host.h"
#include "cordon/spawner.h"
#include "daemon/config.h"
#include "daemon/policy.h"
#include "daemon/profile_set.h"
#include "daemon/server.h"
#include "cordond/malloc_tuning.h"
#include "cordond/socket_activation.h"

namespace {

int fail_with(const std::vector<std::string>& errors) {
  for (const auto& e : errors) spdlog::error("{}", e);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string malloc_note;  // logged once the logger exists
  cordon::daemon::apply_malloc_tuning(argv, malloc_note);
  CLI::App app{"cordond: the Cordon daemon"};
  app.set_version_flag("--version", CORDON_VERSION);
  std::string config_path;
  std::optional<std::string> socket_path, policy_path;
  std::vector<std::string> profile_dirs;
  app.add_option("-c,--config", config_path, "Daemon configuration file (JSON)");
  app.add_option("--socket", socket_path, "Override the socket path");
  app.add_option("--policy", policy_path, "Override the policy file");
  app.add_option("--profile-dir", profile_dirs, "Override the profile directories");
  CLI11_PARSE(app, argc, argv);

  // First, while this process is small and has one thread: the spawner is
  // the cordon-spawner program, or else a fork of this process, which then
  // keeps a copy of it that the sandboxes it clones share.
  // Worker threads share a few malloc arenas instead of one each (the
  // default allows 8 per core): calls allocate little, and every arena
  // keeps its own high-water mark of freed memory.
  mallopt(M_ARENA_MAX, 4);
  std::string spawner_err;
  std::vector<std::string> spawner_notes;
  std::shared_ptr<cordon::Spawner> spawner = cordon::Spawner::start(spawner_err, &spawner_notes);

  spdlog::set_default_logger(spdlog::stderr_color_mt("cordond"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (!malloc_note.empty()) spdlog::warn("allocator tuning not applied ({}): memory may grow a little with use", malloc_note);
  for (const auto& n : spawner_notes) spdlog::warn("spawner program not used: {}", n);
  if (spawner) {
    if (spawner->program().empty()) spdlog::warn("no cordon-spawner program: the spawner is a fork of the daemon (clones cost more)");
    else spdlog::info("spawner: {} (pid {})", spawner->program(), spawner->pid());
  }
  if (!spawner) spdlog::warn("no spawner process ({}): sandboxes are cloned from the daemon", spawner_err);

  cordon::daemon::DaemonConfig config;
  if (!config_path.empty()) {
    auto load = cordon::daemon::load_config(config_path);
    if (!load.config) return fail_with(load.errors);
    config = *load.config;
  }
  if (socket_path) config.socket_path = *socket_path;
  if (policy_path) config.policy_path = *policy_path;
  if (!profile_dirs.empty()) config.profile_dirs = profile_dirs;
  // Test aid only: requests containing this text fail inside the daemon, so
  // tests can show one failure costs one request, not the daemon.
  if (const char* marker = std::getenv("CORDOND_FAULT_INJECTION"); marker && *marker) {
    config.fault_injection_marker = marker;
    spdlog::warn("CORDOND_FAULT_INJECTION is set: requests containing it fail on purpose");
  }

  auto policy = cordon::daemon::load_policy(config.policy_path);
  if (!policy.policy) return fail_with(policy.errors);
  auto profiles = cordon::daemon::load_profile_set(config.profile_dirs);
  if (!profiles.set) return fail_with(profiles.errors);

  std::signal(SIGPIPE, SIG_IGN);
  umask(022);
  cordon::HostInfo host = cordon::probe_host();
  cordon::cleanup_stale_cgroups(host.cgroups);

  // Socket activation: the service manager bound the socket and owns its file.
  cordon::cordond::ActivatedSocket activated = cordon::cordond::take_activated_socket();
  if (!activated.error.empty()) return fail_with({"socket activation: " + activated.error});
  if (activated.fd) {
    if (!activated.path.empty() && activated.path != config.socket_path)
      spdlog::warn("socket activation: serving {}, not the configured {}", activated.path, config.socket_path);
    config.socket_path = activated.path;
  }

  boost::asio::io_context io;
  cordon::daemon::Server server(io, config, std::move(*policy.policy), profiles.set, host, spawner);
  std::string err;
  bool listening = activated.fd ? server.start_on_listener(*activated.fd, err) : server.start(err);
  if (!listening) return fail_with({err});
  spdlog::info("listening on {}{} ({} profiles, {} workers, landlock abi {}, cgroup v{})", config.socket_path,
               activated.fd ? " (socket activation)" : "", profiles.set->by_name.size(), config.max_running,
               host.landlock_abi, host.cgroups.version);

  boost::asio::signal_set stop(io, SIGTERM, SIGINT);
  std::function<void()> wait_stop = [&] {
    stop.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) server.shutdown();
    });
  };
  wait_stop();
  boost::asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup;
  wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      server.reload();
      wait_hup();
    });
  };
  wait_hup();
  io.run();
  spdlog::info("stopped");
  return 0;
}
