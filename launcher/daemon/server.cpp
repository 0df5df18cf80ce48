#include "daemon/server.h"

#include "daemon/audit_record.h"

#include <atomic>
#include <chrono>

#include <algorithm>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "cordon/utf8.h"
#include "daemon/session.h"
#include "daemon/workspace.h"

namespace cordon::daemon {
namespace {

using nlohmann::json;
namespace asio = boost::asio;

const char* workspace_mode_name(WorkspaceMode m) {
  switch (m) {
    case WorkspaceMode::None: return "none";
    case WorkspaceMode::HostRo: return "ro";
    case WorkspaceMode::HostRw: return "rw";
    case WorkspaceMode::Tmpfs: return "tmpfs";
  }
  return "none";
}

json error_json(const json& id, const std::string& code, const std::string& message) {
  return {{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

// Is another daemon answering on this socket?
bool socket_alive(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
  bool alive = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return alive;
}

}  // namespace

Server::Server(asio::io_context& io, DaemonConfig config, Policy policy, std::shared_ptr<const ProfileSet> profiles,
               HostInfo host, std::shared_ptr<Spawner> spawner)
    : io_(io),
      config_(std::move(config)),
      policy_(std::move(policy)),
      profiles_(std::move(profiles)),
      host_(std::move(host)),
      acceptor_(io),
      stop_timer_(io),
      idle_trim_timer_(io),
      spawner_(spawner),
      calls_(config_.max_running, config_.max_queued, std::move(spawner)),
      started_(std::chrono::steady_clock::now()) {
  bool pooled = false;
  for (const auto& [name, size] : config_.warm_pool.sizes) pooled |= size > 0;
  if (pooled) {
    WarmPoolConfig pc = config_.warm_pool;
    pc.running_calls = [this] { return static_cast<unsigned>(calls_.running()); };
    pc.spawner = spawner_;
    pool_ = std::make_unique<WarmPool>(std::move(pc));
  }
}

Server::~Server() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

bool Server::load_secrets(std::string& err) {
  if (config_.secrets_dir.empty()) return true;
  SecretStore::Load l = SecretStore::load_dir(config_.secrets_dir);
  if (!l.store) {
    for (const auto& e : l.errors) err += (err.empty() ? "" : "; ") + e;
    return false;
  }
  secrets_ = l.store;
  spdlog::info("secret store: {} secrets for {} tenants", secrets_->secret_count(), secrets_->tenant_count());
  return true;
}

bool Server::open_audit(std::string& err) {
  if (config_.audit.path.empty()) {
    spdlog::warn("no audit log configured: audit records go only into responses");
    return true;
  }
  AuditOpen o = AuditWriter::open(config_.audit.path, config_.audit.options);
  if (!o.ok()) {
    err = "audit log: " + o.error;
    return false;
  }
  audit_ = std::move(o.writer);
  const AuditRecovery& rec = audit_->recovery();
  spdlog::info("audit log {} ({}), continuing at seq {}", config_.audit.path,
               audit_durability_name(config_.audit.options.durability), rec.last_seq + 1);
  if (rec.truncated_bytes > 0 || !rec.anchor_mismatch.empty())
    audit_event("audit_recovered", nullptr,
                {{"truncated_bytes", rec.truncated_bytes}, {"anchor_mismatch", rec.anchor_mismatch}});
  audit_event("daemon_start", nullptr,
              {{"version", CORDON_VERSION}, {"pid", getpid()}, {"profiles", profiles_->by_name.size()},
               {"tenants", policy_.tenants.size()}});
  return true;
}

void Server::audit_event(const std::string& kind, const Peer* who, nlohmann::ordered_json fields) {
  if (!audit_) return;
  AuditAppend a = audit_->append(event_record_body(kind, who, std::move(fields)));
  if (!a.ok()) {
    ++stats_.refused["audit_failed"];
    spdlog::error("audit log: cannot record {} event: {}", kind, a.error);
  }
}

bool Server::start(std::string& err) {
  if (!load_secrets(err) || !open_audit(err)) return false;
  const std::string& path = config_.socket_path;
  std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty()) mkdir(dir.c_str(), 0755);
  std::string lock = path + ".lock";
  lock_fd_ = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    err = "another cordond holds " + lock;
    return false;
  }
  if (socket_alive(path)) {
    err = "another daemon answers on " + path;
    return false;
  }
  unlink(path.c_str());  // a stale socket file from a daemon that died
  boost::system::error_code ec;
  asio::local::stream_protocol::endpoint ep(path);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    err = "cannot listen on " + path + ": " + ec.message();
    return false;
  }
  owns_socket_file_ = true;
  chmod(path.c_str(), config_.socket_mode);
  if (!config_.socket_group.empty()) {
    group* g = getgrnam(config_.socket_group.c_str());
    if (!g || chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      err = "cannot give " + path + " to group '" + config_.socket_group + "'";
      return false;
    }
  }
  accept();
  return true;
}

bool Server::start_on_listener(int listen_fd, std::string& err) {
  if (!load_secrets(err) || !open_audit(err)) {
    close(listen_fd);
    return false;
  }
  boost::system::error_code ec;
  acceptor_.assign(asio::local::stream_protocol(), listen_fd, ec);
  if (ec) {
    close(listen_fd);
    err = "cannot serve the passed socket: " + ec.message();
    return false;
  }
  accept();
  return true;
}

void Server::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::local::stream_protocol::socket sock) {
    if (ec) {
      if (ec != asio::error::operation_aborted && !shutting_down_) accept();
      return;
    }
    Peer peer = peer_of(sock.native_handle());
    auto session = std::make_shared<Session>(std::move(sock), *this, std::move(peer));
    if (sessions_.size() >= config_.max_connections) {
      ++stats_.refused["busy"];
      session->send_and_close(error_json(nullptr, "busy", "too many connections"));
    } else {
      sessions_.insert(session.get());
      session->start();
    }
    accept();
  });
}

void Server::session_closed(Session* s) {
  sessions_.erase(s);
  if (config_.kill_on_disconnect && !s->calls().empty()) {
    std::set<std::string> mine = s->calls();
    calls_.kill([&](const CallView& v) { return mine.count(v.call_id) != 0; });
  }
}

void Server::reply_error(const std::shared_ptr<Session>& s, const json& id, const std::string& code,
                         const std::string& message) {
  ++stats_.refused[code];
  const Tenant* t = policy_.tenant_for(s->peer());
  if (t) ++tenant_stats_[t->name].refused[code];
  scorecard_.record_refusal(code, t ? t->name : "", "");
  // Access denials are operator events (malformed input is only counted).
  if (code == "forbidden" || code == "unknown_tool" || code == "secret_unavailable" || code == "invalid_workspace")
    audit_event("denied", &s->peer(), {{"tenant", t ? t->name : ""}, {"code", code}, {"message", message}});
  s->send(error_json(id, code, message));
}

void Server::handle_line(const std::shared_ptr<Session>& s, const std::string& line) {
  // One request's unexpected failure costs that request, never the daemon:
  // an exception here would unwind through the event loop and stop serving
  // every tenant. The id is read again, loosely, so the caller can match it.
  try {
    dispatch_line(s, line);
  } catch (const std::exception& e) {
    spdlog::error("internal error handling a request: {}", e.what());
    json id = nullptr;
    try {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("id")) id = j["id"];
    } catch (...) {}
    reply_error(s, id, "internal", "unexpected failure inside the daemon; the request was not carried out");
  }
}

void Server::dispatch_line(const std::shared_ptr<Session>& s, const std::string& line) {
  const std::string& marker = config_.fault_injection_marker;
  if (!marker.empty() && line.find(marker) != std::string::npos)
    throw std::runtime_error("fault injection (CORDOND_FAULT_INJECTION)");
  auto decoded = decode_request(line);
  if (auto* e = std::get_if<ProtocolError>(&decoded)) return reply_error(s, e->id, e->code, e->message);
  const Request& r = std::get<Request>(decoded);
  if (r.op == "run") return op_run(s, r.id, std::get<RunRequest>(r.body));
  if (r.op == "kill") return op_kill(s, r.id, std::get<KillRequest>(r.body));
  if (r.op == "ps") return op_ps(s, r.id);
  if (r.op == "tools") return op_tools(s, r.id);
  if (r.op == "stats") return op_stats(s, r.id, std::get<StatsRequest>(r.body));
  if (r.op == "health") return op_health(s, r.id);
  if (r.op == "reload") return op_reload(s, r.id);
  reply_error(s, r.id, "unknown_op", "unknown op '" + r.op + "'");
}

void Server::op_run(const std::shared_ptr<Session>& s, const json& id, const RunRequest& req) {
  if (shutting_down_) return reply_error(s, id, "shutting_down", "the daemon is shutting down");
  CallRequest cr;
  cr.argv = req.argv;
  cr.env = req.env;
  cr.stdin_data = req.stdin_data;
  cr.wall_time_ms = req.timeout_ms;

  const std::string& tool = req.tool;
  const Tenant* tenant = policy_.tenant_for(s->peer());
  if (!tenant)
    return reply_error(s, id, "forbidden", "uid " + std::to_string(s->peer().uid) + " is not mapped to a tenant");
  auto it = profiles_->by_name.find(tool);
  if (it == profiles_->by_name.end())  // a model may use the definition's name
    it = std::find_if(profiles_->by_name.begin(), profiles_->by_name.end(),
                      [&](const auto& kv) { return kv.second->tool && kv.second->tool->name == tool; });
  if (it == profiles_->by_name.end()) return reply_error(s, id, "unknown_tool", "no profile named '" + tool + "'");
  if (!Policy::may_run(*tenant, it->first))
    return reply_error(s, id, "forbidden", "tenant '" + tenant->name + "' may not run '" + it->first + "'");
  const auto& profile = it->second;
  if (req.arguments) {
    if (!profile->tool)
      return reply_error(s, id, "invalid_request", "tool '" + tool + "' has no definition for structured arguments; send argv");
    ArgvBuild built = build_argv(*profile->tool, *req.arguments);
    if (!built.ok()) {
      std::string msg;
      for (const auto& [param, reason] : built.errors) msg += (msg.empty() ? "" : "; ") + ("parameter '" + param + "' " + reason);
      return reply_error(s, id, "invalid_request", msg);
    }
    cr.argv = std::move(built.argv);
  } else if (profile->tool && !profile->tool->raw_argv) {
    return reply_error(s, id, "invalid_request", "tool '" + tool + "' accepts structured arguments only");
  }

  WorkspaceMode wm = profile->workspace.mode;
  if (wm == WorkspaceMode::HostRo || wm == WorkspaceMode::HostRw) {
    std::string err;
    auto ws = resolve_workspace(tenant->workspace_root, req.workspace.value_or(""), err);
    if (!ws) return reply_error(s, id, "invalid_workspace", err);
    cr.workdir = *ws;
  } else if (req.workspace) {
    return reply_error(s, id, "invalid_request", "profile '" + tool + "' takes no host workspace");
  }

  cr.rules = profiles_->rules_by_name.at(it->first);
  if (!profile->secrets.empty() || req.secrets) {
    SecretStore::Lookup got = secrets_->values_for(tenant->name, *profile, req.secrets, fingerprint_key_);
    if (!got.error_code.empty()) return reply_error(s, id, got.error_code, got.error);
    cr.secrets = std::move(got.values);
  }
  PlanOutcome plan = make_plan(profile, cr, host_);
  wipe(cr.secrets);  // the plan holds its own copies, wiped when it goes
  if (!plan.ok()) {
    std::string msg;
    for (const auto& e : plan.errors) msg += (msg.empty() ? "" : "; ") + e.to_string();
    return reply_error(s, id, "invalid_request", msg);
  }

  const std::string call_id = "c-" + std::to_string(next_call_++);
  const bool stream = req.stream;
  std::weak_ptr<Session> weak = s;
  // What ps, logs and the audit record show of argv: filtered like output.
  auto ctx = std::make_shared<CallContext>();
  ctx->call_id = call_id;
  ctx->tenant = tenant->name;
  ctx->peer = s->peer();
  ctx->tool = tool;
  ctx->argv = filter_argv(cr.rules, cr.argv);
  const auto accepted = std::chrono::steady_clock::now();
  auto started_at = std::make_shared<std::atomic<std::int64_t>>(0);
  CallSpec spec;
  spec.call_id = call_id;
  spec.tenant = tenant->name;
  spec.tenant_max_running = tenant->max_running;
  spec.tenant_max_queued = tenant->max_queued;
  spec.peer = s->peer();
  spec.tool = tool;
  spec.argv = ctx->argv;
  spec.plan = std::move(plan.plan);
  // Warm pool: profiles listed in warm_pool and granting no secrets (a
  // shape's template request is kept for refills; it must hold no values).
  if (pool_ && pool_->pooled(profile->name) && profile->secrets.empty()) {
    CallRequest tmpl = cr;
    tmpl.stdin_data.reset();
    tmpl.stdin_path.reset();
    tmpl.env.clear();
    tmpl.guarded.clear();
    WarmPool* pool = pool_.get();
    spec.acquire_warm = [pool, profile, tmpl = std::move(tmpl), host = host_](const SpawnPlan& p) {
      return pool->take(p, [profile, tmpl, host] { return std::move(make_plan(profile, tmpl, host).plan); });
    };
  }
  spec.on_started = [this, weak, id, call_id, stream, started_at, accepted] {
    started_at->store(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - accepted).count());
    if (!stream) return;
    asio::post(io_, [weak, id, call_id] {
      if (auto ss = weak.lock()) ss->send({{"id", id}, {"event", "started"}, {"call_id", call_id}});
    });
  };
  if (stream) {
    spec.on_output = [this, weak, id, call_id](int stream_no, std::string_view chunk) {
      asio::post(io_, [weak, id, call_id, stream_no, data = std::string(chunk)] {
        if (auto ss = weak.lock())
          ss->send({{"id", id}, {"event", "output"}, {"call_id", call_id},
                    {"stream", stream_no == 1 ? "stdout" : "stderr"}, {"data", utf8_sanitize(data)}});
      });
    };
  }
  const std::string tenant_name = tenant->name;
  // On the worker thread: the audit record is durable before the response
  // is queued (a crash loses no acknowledged record).
  spec.on_done = [this, weak, id, call_id, tenant_name, profile, ctx, started_at, accepted](Result r) {
    if (r.profile_name.empty()) {
      r.profile_name = profile->name;
      r.profile_version = profile->version;
      r.profile_sha256 = profile->content_sha256;
    }
    const auto total = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - accepted).count();
    const std::int64_t started = started_at->load();
    ctx->queued_us = static_cast<std::uint64_t>(started > 0 ? started : total);
    ctx->total_us = static_cast<std::uint64_t>(total);
    json response = {{"id", id}, {"ok", true}, {"call_id", call_id}, {"tenant", tenant_name}, {"result", to_json(r)}};
    if (audit_) {
      AuditAppend a = audit_->append(call_record_body(*ctx, *profile, r));
      if (a.ok()) {
        response["audit"] = *a.record;
      } else {
        spdlog::error("audit log: cannot record call {}: {}", call_id, a.error);
        response = error_json(id, "audit_failed",
                              "the call ran but its audit record could not be written; the result is withheld");
        response["call_id"] = call_id;
      }
    } else {
      response["audit"] = call_record_body(*ctx, *profile, r);
    }
    asio::post(io_, [this, weak, call_id, tenant_name, ctx, profile, response = std::move(response), r = std::move(r)]() mutable {
      CallRecord rec;
      rec.tool = profile->name;
      rec.tenant = tenant_name;
      rec.result = &r;
      rec.required_controls = profile->require;
      rec.operator_kill = r.outcome == Outcome::Killed;
      rec.queued_us = ctx->queued_us;
      rec.total_us = ctx->total_us;
      scorecard_.record_call(rec);
      if (auto ss = weak.lock()) {
        ss->calls().erase(call_id);
        ss->send(response);
      }
      call_finished(call_id, tenant_name, std::move(r));
    });
  };
  std::string why;
  switch (calls_.submit(std::move(spec), why)) {
    case CallManager::Submit::Ok:
      s->calls().insert(call_id);
      call_owner_[call_id] = weak;
      call_tenant_[call_id] = tenant_name;
      return;
    case CallManager::Submit::Busy: return reply_error(s, id, "busy", why);
    case CallManager::Submit::ShuttingDown: return reply_error(s, id, "shutting_down", why);
  }
}

void Server::call_finished(const std::string& call_id, const std::string& tenant, Result r) {
  const std::string outcome = outcome_name(r.outcome);
  ++stats_.calls_total;
  ++stats_.by_outcome[outcome];
  ++tenant_stats_[tenant].calls_total;
  ++tenant_stats_[tenant].by_outcome[outcome];
  spdlog::info("call {} tenant={} profile={} outcome={} wall_ms={}", call_id, tenant, r.profile_name, outcome, r.wall_ms);
  call_owner_.erase(call_id);
  call_tenant_.erase(call_id);
  for (auto it = pending_kills_.begin(); it != pending_kills_.end();) {
    if (it->waiting.erase(call_id)) {
      it->killed.push_back({{"call_id", call_id}, {"contain_ms", static_cast<double>(r.contain_us) / 1000.0}});
    }
    if (it->waiting.empty()) {
      audit_event("kill", &it->peer, {{"request", it->request}, {"killed", it->killed}});
      if (auto ss = it->session.lock()) ss->send({{"id", it->id}, {"ok", true}, {"killed", it->killed}});
      it = pending_kills_.erase(it);
    } else {
      ++it;
    }
  }
  check_stopped();
  if (calls_.running() == 0 && calls_.queued() == 0) arm_idle_trim();
  // A dead spawner is replaced from here (the main thread, which its
  // parent-death signal follows), at most once a second.
  if (spawner_ && !spawner_->alive()) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_spawner_restart_ >= std::chrono::seconds(1)) {
      last_spawner_restart_ = now;
      std::string err;
      if (spawner_->relaunch(err)) {
        spdlog::warn("the spawner process died; started a new one (pid {})", spawner_->pid());
      } else if (!spawner_loss_logged_) {
        spawner_loss_logged_ = true;
        spdlog::error("the spawner process died and was not restarted ({}): sandboxes are now cloned from the daemon "
                      "(slower, equally contained)",
                      err);
      }
    }
  }
}

void Server::arm_idle_trim() {
  // A burst of calls leaves freed memory in the allocator's per-thread
  // arenas. Once the daemon has been idle for a while, give it back to the
  // kernel (not after every call: the next call would fault it in again).
  idle_trim_timer_.expires_after(std::chrono::seconds(1));
  idle_trim_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && calls_.running() == 0 && calls_.queued() == 0) malloc_trim(0);
  });
}

void Server::op_ps(const std::shared_ptr<Session>& s, const json& id) {
  bool admin = policy_.is_admin(s->peer());
  const Tenant* tenant = policy_.tenant_for(s->peer());
  if (!admin && !tenant) return reply_error(s, id, "forbidden", "uid " + std::to_string(s->peer().uid) + " is not mapped to a tenant");
  json calls = json::array();
  for (const auto& v : calls_.list()) {
    if (!admin && v.tenant != tenant->name) continue;
    calls.push_back({{"call_id", v.call_id}, {"tenant", v.tenant}, {"uid", v.uid}, {"pid", v.pid}, {"tool", v.tool},
                     {"argv", v.argv}, {"state", v.state}, {"age_ms", v.age_ms}});
  }
  s->send({{"id", id}, {"ok", true}, {"calls", calls}});
}

void Server::op_kill(const std::shared_ptr<Session>& s, const json& id, const KillRequest& req) {
  bool admin = policy_.is_admin(s->peer());
  const Tenant* tenant = policy_.tenant_for(s->peer());
  if (!admin && !tenant) return reply_error(s, id, "forbidden", "uid " + std::to_string(s->peer().uid) + " is not mapped to a tenant");
  if (!admin && (req.by == KillRequest::By::All || (req.by == KillRequest::By::Tenant && req.value != tenant->name)))
    return reply_error(s, id, "forbidden", "only an admin may kill other tenants' calls");
  const std::string own = tenant ? tenant->name : "";
  auto visible = [&](const CallView& v) { return admin || v.tenant == own; };
  std::function<bool(const CallView&)> match;
  const std::string value = req.value;
  switch (req.by) {
    case KillRequest::By::CallId: match = [=](const CallView& v) { return visible(v) && v.call_id == value; }; break;
    case KillRequest::By::Tool: match = [=](const CallView& v) { return visible(v) && v.tool == value; }; break;
    case KillRequest::By::Tenant: match = [=](const CallView& v) { return visible(v) && v.tenant == value; }; break;
    case KillRequest::By::All: match = visible; break;
  }
  auto hit = calls_.kill(match);
  if (hit.empty() && req.by == KillRequest::By::CallId) return reply_error(s, id, "not_found", "no such call");
  if (hit.empty()) return s->send({{"id", id}, {"ok", true}, {"killed", json::array()}});
  PendingKill pk;
  pk.session = s;
  pk.id = id;
  pk.peer = s->peer();
  static const char* const kBy[] = {"call_id", "tool", "tenant", "all"};
  pk.request = {{"by", kBy[static_cast<int>(req.by)]}, {"value", req.value}};
  pk.waiting.insert(hit.begin(), hit.end());
  pending_kills_.push_back(std::move(pk));
}

void Server::op_tools(const std::shared_ptr<Session>& s, const json& id) {
  const Tenant* tenant = policy_.tenant_for(s->peer());
  bool admin = policy_.is_admin(s->peer());
  if (!tenant && !admin) return reply_error(s, id, "forbidden", "uid " + std::to_string(s->peer().uid) + " is not mapped to a tenant");
  json tools = json::array();
  for (const auto& [name, p] : profiles_->by_name) {
    if (tenant ? !Policy::may_run(*tenant, name) : !admin) continue;
    json t = {{"name", name}, {"version", p->version}, {"description", p->description},
              {"workspace", workspace_mode_name(p->workspace.mode)}};
    if (p->tool)
      t["definition"] = {{"name", p->tool->name}, {"description", p->tool->description},
                         {"parameters", p->tool->parameters}, {"raw_argv", p->tool->raw_argv}};
    tools.push_back(std::move(t));
  }
  s->send({{"id", id}, {"ok", true}, {"tools", tools}});
}

void Server::op_stats(const std::shared_ptr<Session>& s, const json& id, const StatsRequest& req) {
  bool admin = policy_.is_admin(s->peer());
  const Tenant* tenant = policy_.tenant_for(s->peer());
  if (!admin && !tenant) return reply_error(s, id, "forbidden", "uid " + std::to_string(s->peer().uid) + " is not mapped to a tenant");
  if (req.prometheus) {
    if (!admin) return reply_error(s, id, "forbidden", "the Prometheus exposition covers every tenant: admins only");
    double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return s->send({{"id", id}, {"ok", true}, {"text", scorecard_.prometheus(calls_.running(), calls_.queued(), up)}});
  }
  const Stats& st = admin ? stats_ : tenant_stats_[tenant->name];
  std::size_t running = 0, queued = 0;
  for (const auto& v : calls_.list()) {
    if (!admin && v.tenant != tenant->name) continue;
    (v.state == "running" ? running : queued) += 1;
  }
  double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  json j = {{"uptime_s", uptime},         {"running", running},          {"queued", queued},
            {"calls_total", st.calls_total}, {"by_outcome", st.by_outcome}, {"refused", st.refused}};
  if (admin) j["connections"] = sessions_.size();
  j["scorecard"] = scorecard_.to_json(admin ? std::nullopt : std::optional<std::string>(tenant->name));
  if (admin)
    j["spawner"] = {{"alive", spawner_ && spawner_->alive()},
                    {"spawned", spawner_ ? spawner_->spawned() : 0},
                    {"restarts", spawner_ ? spawner_->restarts() : 0},
                    {"program", spawner_ && !spawner_->program().empty() ? nlohmann::json(spawner_->program())
                                                                         : nlohmann::json(nullptr)}};
  if (admin && pool_) {
    WarmPoolStats w = pool_->stats();
    j["warm_pool"] = {{"ready", w.ready},   {"shapes", w.shapes},       {"hits", w.hits},
                      {"misses", w.misses}, {"built", w.built},         {"build_failures", w.build_failures},
                      {"discarded", w.discarded}, {"last_error", w.last_error}};
  }
  s->send({{"id", id}, {"ok", true}, {"stats", j}});
}

void Server::op_health(const std::shared_ptr<Session>& s, const json& id) {
  s->send({{"id", id}, {"ok", true}, {"status", shutting_down_ ? "stopping" : "ok"}, {"version", CORDON_VERSION},
           {"profiles", profiles_->by_name.size()}});
}

void Server::op_reload(const std::shared_ptr<Session>& s, const json& id) {
  if (!policy_.is_admin(s->peer())) return reply_error(s, id, "forbidden", "reload is for admins");
  auto errors = reload();
  if (errors.empty()) return s->send({{"id", id}, {"ok", true}, {"profiles", profiles_->by_name.size()}});
  ++stats_.refused["reload_failed"];
  s->send({{"id", id},
           {"ok", false},
           {"error",
            {{"code", "reload_failed"},
             {"message", std::to_string(errors.size()) + " errors; the previous profiles stay in force"},
             {"errors", errors}}}});
}

std::vector<std::string> Server::reload() {
  ProfileSetLoad ps = load_profile_set(config_.profile_dirs);
  PolicyLoad pol = load_policy(config_.policy_path);
  std::vector<std::string> errors = ps.errors;
  errors.insert(errors.end(), pol.errors.begin(), pol.errors.end());
  SecretStore::Load sec;
  if (!config_.secrets_dir.empty()) {
    sec = SecretStore::load_dir(config_.secrets_dir);
    errors.insert(errors.end(), sec.errors.begin(), sec.errors.end());
  }
  if (!errors.empty()) {
    for (const auto& e : errors) spdlog::warn("reload refused: {}", e);
    audit_event("reload", nullptr, {{"ok", false}, {"errors", errors.size()}});
    return errors;
  }
  profiles_ = ps.set;
  if (pool_) pool_->clear();  // sandboxes built from the old profiles
  policy_ = std::move(*pol.policy);
  if (sec.store) secrets_ = sec.store;  // running calls keep the values they were given
  spdlog::info("reloaded {} profiles, {} tenants", profiles_->by_name.size(), policy_.tenants.size());
  audit_event("reload", nullptr,
              {{"ok", true}, {"profiles", profiles_->by_name.size()}, {"tenants", policy_.tenants.size()},
               {"secrets", secrets_->secret_count()}});
  return {};
}

void Server::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  audit_event("daemon_stop", nullptr, {{"running", calls_.running()}, {"queued", calls_.queued()}});
  spdlog::info("shutting down: {} running, {} queued, grace {} ms", calls_.running(), calls_.queued(),
               config_.shutdown_grace_ms);
  boost::system::error_code ec;
  acceptor_.close(ec);
  if (owns_socket_file_) unlink(config_.socket_path.c_str());
  calls_.stop_accepting();
  calls_.kill([](const CallView& v) { return v.state == "queued"; });
  shutdown_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_grace_ms);
  check_stopped();
}

void Server::check_stopped() {
  if (!shutting_down_) return;
  if (calls_.running() == 0 && calls_.queued() == 0) {
    // Let queued responses go out, then stop.
    stop_timer_.expires_after(std::chrono::milliseconds(20));
    stop_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::vector<Session*> open(sessions_.begin(), sessions_.end());
      for (Session* s : open) s->close();
      io_.stop();
    });
    return;
  }
  if (std::chrono::steady_clock::now() >= shutdown_deadline_) calls_.kill([](const CallView&) { return true; });
  stop_timer_.expires_after(std::chrono::milliseconds(50));
  stop_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_stopped();
  });
}

}  // namespace cordon::daemon
