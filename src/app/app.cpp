#include "app/app.hpp"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/database.hpp"
#include "app/health.hpp"
#include "app/keyring.hpp"
#include "app/monitoring.hpp"
#include "app/process_metrics.hpp"
#include "app/routes.hpp"
#include "app/serve_presence.hpp"
#include "app/services.hpp"
#include "app/start_summary.hpp"
#include "app/trial_site.hpp"
#include "connect/descriptor.hpp"
#include "core/version.hpp"
#include "db/error.hpp"
#include "db/migrations.hpp"
#include "http/rate_limit.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "tenants/key_rotation.hpp"
#include "tenants/secret_box.hpp"
#include "web/start_page.hpp"

namespace tcj::app {
namespace {

// Startup failures are said once on standard error (for the operator at a terminal) and once in
// the log (for whoever reads the logs).
int Fail(const core::Logger& log, std::string_view event, const std::string& message) {
  log.Error(event, {{"error", message}});
  log.Flush();
  (void)std::fprintf(stderr, "teamcity-jira: %s\n", message.c_str());
  return kExitFailure;
}

// Every connection holds a file descriptor, so the process takes all it may have (the hard limit)
// and keeps max_connections under it, with room for the database pool, TeamCity and Jira
// connections and files. Returns the connection cap to use.
std::size_t RaiseOpenFileLimit(const config::ServerConfig& s, const core::Logger& log) {
  constexpr rlim_t kReserved = 256;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return static_cast<std::size_t>(s.max_connections);
  const rlim_t was = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = was;
  }
  const auto wanted = static_cast<rlim_t>(s.max_connections);
  const rlim_t usable = limit.rlim_cur > 2 * kReserved ? limit.rlim_cur - kReserved : limit.rlim_cur / 2;
  const rlim_t cap = std::min(wanted, usable);
  log.Info("serve.open_files", {{"limit", static_cast<std::int64_t>(limit.rlim_cur)},
                                {"was", static_cast<std::int64_t>(was)},
                                {"max_connections", static_cast<std::int64_t>(cap)}});
  if (cap < wanted) {
    log.Warn("serve.max_connections_lowered",
             {{"configured", s.max_connections},
              {"used", static_cast<std::int64_t>(cap)},
              {"note", "the open-file limit is too low for server.max_connections: raise LimitNOFILE (systemd) or "
                       "ulimit -n"}});
  }
  return static_cast<std::size_t>(cap);
}

http::ServerOptions ServerOptionsFrom(const config::Config& config, const core::Logger& log) {
  const config::ServerConfig& s = config.server;
  http::ServerOptions o;
  o.max_connections = RaiseOpenFileLimit(s, log);
  // Behind proxies every connection comes from one of them: a cap per address would cap everyone.
  o.max_connections_per_client =
      config.limits.trusted_proxy_hops > 0 ? 0 : static_cast<std::size_t>(s.max_connections_per_ip);
  o.io_threads = s.io_threads > 0 ? s.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.worker_threads = s.worker_threads;
  o.default_body_limit = s.max_body_bytes;
  o.header_timeout = s.header_timeout;
  o.body_timeout = s.body_timeout;
  o.idle_timeout = s.idle_timeout;
  o.write_timeout = s.write_timeout;
  o.access_log = config.log.access;
  return o;
}

http::RateLimitOptions RateLimitOptionsFrom(const config::LimitsConfig& l) {
  http::RateLimitOptions o;
  o.per_address = {static_cast<double>(l.ip_requests_per_second), static_cast<double>(l.ip_burst)};
  o.per_tenant = {static_cast<double>(l.tenant_requests_per_second), static_cast<double>(l.tenant_burst)};
  o.page_views_per_address = {static_cast<double>(l.ip_page_views_per_second),
                              static_cast<double>(l.ip_page_view_burst)};
  o.page_views_per_tenant = {static_cast<double>(l.tenant_page_views_per_second),
                             static_cast<double>(l.tenant_page_view_burst)};
  o.sign_in_failures = {l.sign_in_failures_per_minute / 60.0, static_cast<double>(l.sign_in_failure_burst)};
  o.max_tracked = static_cast<std::size_t>(l.max_tracked_addresses);
  o.trusted_proxy_hops = l.trusted_proxy_hops;
  return o;
}

// A message when the database answers and its schema is older than this build; nothing when it
// is current or cannot be reached (then serving starts not-ready and keeps checking).
std::optional<std::string> SchemaBehind(const db::ConnectionSettings& settings, int required_version) {
  try {
    auto conn = db::Connection::Open(settings);
    const int applied = db::AppliedVersion(*conn);
    if (applied >= required_version) return std::nullopt;
    return fmt::format("the database schema is at version {}, this build needs {}: run `teamcity-jira migrate` "
                       "with the same configuration first",
                       applied, required_version);
  } catch (const db::DbError&) {
    return std::nullopt;
  }
}

// secrets_records{column,key_id}: tells the operator when an old master key is no longer used.
void RegisterSecretUsageMetric(core::MetricsRegistry& metrics, db::Pool& pool) {
  metrics.AddCallbackGaugeFamily(
      "secrets_records", "Encrypted records per column and master key id.", {"column", "key_id"},
      [&pool]() {
        core::MetricsRegistry::LabeledValues values;
        try {
          for (const auto& u : tenants::ReadKeyUsage(pool)) {
            values.push_back({{u.column, u.key_id}, static_cast<double>(u.records)});
          }
        } catch (const db::DbError&) {
          // No database, no figure; db_ready says why.
        }
        return values;
      });
}

void LogCertificate(const core::Logger& log, std::string_view event, const http::TlsCertificateInfo& certificate) {
  log.Info(event,
           {{"subject", certificate.subject}, {"serial", certificate.serial}, {"not_after", certificate.not_after}});
}

// SIGHUP: the certificate files are read again (after a renewal); connections are not dropped.
void ReloadCertificate(const core::Logger& log, http::TlsServerContext* tls) {
  if (tls == nullptr) {
    log.Info("serve.sighup", {{"note", "nothing to reload: TLS is off"}});
    return;
  }
  auto reloaded = tls->Reload();
  if (!reloaded) {
    log.Error("serve.tls_reload_failed",
              {{"error", reloaded.error().message}, {"note", "the previous certificate stays in use"}});
    return;
  }
  LogCertificate(log, "serve.tls_reloaded", *reloaded);
}

std::string Contracted(const DatabaseHealth& health) {
  return fmt::format(
      "refusing to serve: the database has contracting migration {} applied, and this executable "
      "(version {}) was built without it, so the schema may lack what it uses: run the version that "
      "migrated the database",
      health.contracted_by(), core::Version());
}

std::string UnsafeRole(const DatabaseHealth& health) {
  return "refusing to serve: the database role of database.url must be bound by row level security, but " +
         health.unsafe_role_reason();
}

}  // namespace

int WaitForShutdownSignal(const std::function<void()>& on_hangup) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  while (true) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal != SIGHUP) return signal;
    on_hangup();
  }
}

void WaitOutShutdownDelay(std::chrono::seconds delay) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  const auto until = std::chrono::steady_clock::now() + delay;
  for (auto left = until - std::chrono::steady_clock::now(); left.count() > 0;
       left = until - std::chrono::steady_clock::now()) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
    const timespec wait{.tv_sec = static_cast<time_t>(seconds.count()),
                        .tv_nsec = static_cast<long>(std::chrono::nanoseconds(left - seconds).count())};
    const int signal = sigtimedwait(&set, nullptr, &wait);
    if (signal == SIGTERM || signal == SIGINT) return;  // asked again: stop now
  }
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void LimitMallocArenas() {
  // Called by main before any thread exists, which is what makes mallopt safe here.
  mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe)
}

void UnblockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

int Serve(const config::Config& config, const core::Logger& log, const ServeOptions& options) {
  if (options.trial_site && !config.database.embedded()) {
    // A trial site is for trying the service on this machine; on a real database it would be a
    // site nobody asked for, with an admin token in whatever collects standard output.
    log.Error("serve.trial_site_refused",
              {{"error",
                "--trial-site is only for the embedded database (make run); with database.url set, "
                "connect a Jira site instead (see the start page)"}});
    return kExitUsage;
  }
  // The certificate is checked first, so that a bad one stops the program before anything starts.
  std::shared_ptr<http::TlsServerContext> tls;
  if (config.server.tls_enabled()) {
    auto loaded = http::TlsServerContext::Load({config.server.tls_cert_file, config.server.tls_key_file});
    if (!loaded) return Fail(log, "serve.tls_failed", loaded.error().message);
    tls = std::move(loaded).value();
  }
  auto keyring = OpenKeyring(config, log);
  if (!keyring) return Fail(log, "serve.keyring_failed", keyring.error().message);
  auto endpoints = OpenDatabaseEndpoints(config, log);
  if (!endpoints) return Fail(log, "serve.database_failed", endpoints.error().message);

  const auto migrations = KnownMigrations();
  const int required_version = db::RequiredVersion(migrations);
  if (auto behind = SchemaBehind(endpoints->version_check, required_version)) {
    return Fail(log, "serve.schema_behind", *behind);
  }
  const std::string database = endpoints->description;
  Services services(config, log, std::move(*keyring), std::move(*endpoints));
  RegisterProcessMetrics(services.metrics);
  RegisterSecretUsageMetric(services.metrics, services.pool);
  RegisterTlsCertificateMetric(services.metrics, tls);
  const auto refresh_backup_disk = RegisterBackupDiskMetrics(services.metrics, config.retention.backup_dir);
  SyncSnapshotMetrics sync_snapshot(
      services.metrics, [&pool = services.pool] { return sync::ReadMonitoringSnapshot(pool); },
      log.With({{"component", "monitoring"}}));

  // A role that row level security does not bind is refused now, or as soon as the database
  // answers: the process stops instead of serving every site's rows to whoever breaks in. So does
  // an executable that a contracting migration has left behind.
  DatabaseHealth health(services.endpoints.runtime, required_version, static_cast<int>(migrations.size()),
                        log.With({{"component", "db.health"}}), services.metrics, [] { ::kill(::getpid(), SIGTERM); });
  // Registered before the first check: a contracting migration that a migrate applies from now on
  // sees this process (and is refused), one applied before is found by the check.
  ServePresence presence(services.pool, ThisServe(), log.With({{"component", "serve.registry"}}));
  presence.Beat();
  const DatabaseState first = health.CheckOnce();
  if (first == DatabaseState::unsafe_role) return Fail(log, "serve.unsafe_database_role", UnsafeRole(health));
  if (first == DatabaseState::schema_contracted) return Fail(log, "serve.schema_contracted", Contracted(health));
  if (first == DatabaseState::unreachable) {
    log.Warn("serve.database_unreachable",
             {{"database", database}, {"note", "serving as not ready; retrying with backoff"}});
  }

  http::HttpMetrics http_metrics(services.metrics);
  http::Server server(ServerOptionsFrom(config, log), log.With({{"component", "http"}}), http_metrics);
  std::atomic<bool> shutting_down{false};
  http::Router public_routes;
  const ReadinessProbe not_ready_reason = [&]() -> std::string {
    if (shutting_down) return "shutting_down";
    const DatabaseState s = health.state();
    return s == DatabaseState::ready ? "" : std::string(ToString(s));
  };
  AddPublicRoutes(public_routes, connect::BuildDescriptor(config), not_ready_reason);
  web::AddStartPage(public_routes,
                    {.version = core::Version(),
                     .public_url = config.server.public_url,
                     .forge_configured = !config.forge.app_id.empty(),
                     .not_ready_reason = not_ready_reason},
                    PageOptionsFrom(config));
  AddJiraFacingRoutes(public_routes, services);
  SetPublicPolicies(public_routes, config.server.public_url, log.With({{"component", "http"}}));
  public_routes.SetRateLimiter(
      std::make_shared<http::RateLimiter>(RateLimitOptionsFrom(config.limits), services.clock, services.metrics));
  http::Router internal_routes;
  AddInternalRoutes(internal_routes, services.metrics);
  try {
    public_routes.Validate();
    internal_routes.Validate();
    server.Listen("public", config.server.listen.host, config.server.listen.port, public_routes, tls);
    server.Listen("internal", config.server.metrics_listen.host, config.server.metrics_listen.port, internal_routes);
  } catch (const std::exception& e) {
    return Fail(log, "serve.listen_failed", e.what());
  }

  services.changes.Start();
  services.relays.Start();
  server.Start();
  health.Start();
  services.sync_engine.Start();
  sync_snapshot.AlsoRefresh(refresh_backup_disk);
  // Its heartbeat rides on the snapshot's thread, which reads the database every 15 s anyway.
  static_assert(kServeHeartbeatEvery == std::chrono::seconds(15), "SyncSnapshotMetrics reads every 15 s");
  sync_snapshot.AlsoRefresh([&presence] { presence.Beat(); });
  sync_snapshot.Start();
  const std::string scheme = config.server.tls_enabled() ? "https" : "http";
  StartSummary summary{
      .version = core::Version(),
      .listening = fmt::format("{}://{}:{}", scheme, config.server.listen.host, server.port("public")),
      .metrics = fmt::format("http://{}:{}/metrics", config.server.metrics_listen.host, server.port("internal")),
      .public_url = config.server.public_url,
      .database = database,
      .embedded_database = config.database.embedded(),
      .sites = std::nullopt,
      .trial_token_printed = false};
  log.Info("serve.listening",
           {{"public", summary.listening},
            {"internal", fmt::format("http://{}:{}", config.server.metrics_listen.host, server.port("internal"))},
            {"public_url", config.server.public_url},
            {"database", database},
            {"version", core::Version()}});
  if (first == DatabaseState::ready) {
    try {
      if (options.trial_site) {
        if (const auto token = OfferTrialSite(services)) {
          log.Flush();  // the token comes after everything logged so far, on a terminal
          PrintTrialToken(stdout, token->reveal(), config.server.public_url);
          summary.trial_token_printed = true;
        }
      }
      summary.sites = tenants::CountSites(services.pool);
    } catch (const std::exception& e) {
      log.Warn("serve.summary_failed", {{"error", e.what()}});  // the database went away meanwhile
    }
  }
  ReportStartSummary(log, summary);
  if (tls) LogCertificate(log, "serve.tls_certificate", tls->certificate());
  if (!config.teamcity.proxy_url.empty()) {
    log.Warn("serve.teamcity_proxy", {{"note", "TeamCity is reached through teamcity.proxy_url: the SSRF guard sees "
                                               "only the proxy's address, so the proxy must refuse private and "
                                               "link-local destinations itself"}});
  }

  const int signal = WaitForShutdownSignal([&] { ReloadCertificate(log, tls.get()); });
  // SIGTERM comes from a process manager, maybe with a load balancer in front that still sends
  // requests here until its health check sees /readyz fail; SIGINT is someone at a terminal.
  const std::chrono::seconds delay = signal == SIGTERM ? config.server.shutdown_delay : std::chrono::seconds(0);
  log.Info("serve.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"},
                              {"delay_seconds", static_cast<std::int64_t>(delay.count())},
                              {"grace_seconds", static_cast<std::int64_t>(config.server.shutdown_grace.count())}});
  shutting_down = true;  // /readyz: 503 shutting_down
  if (delay.count() > 0) {
    server.BeginDrain();
    WaitOutShutdownDelay(delay);
  }
  services.relays.Stop();  // its channels are answered now: they reconnect to another process
  server.Shutdown(config.server.shutdown_grace);
  services.sync_engine.Stop(config.server.shutdown_grace);
  sync_snapshot.Stop();
  presence.Leave();  // everything it served has been answered
  health.Stop();
  services.changes.Stop();
  if (health.state() == DatabaseState::unsafe_role) return Fail(log, "serve.unsafe_database_role", UnsafeRole(health));
  if (health.state() == DatabaseState::schema_contracted) {
    return Fail(log, "serve.schema_contracted", Contracted(health));
  }
  log.Info("serve.stopped");
  return kExitOk;
}

int Migrate(const config::Config& config, const core::Logger& log, const MigrateOptions& options) {
  auto endpoints = OpenDatabaseEndpoints(config, log);
  if (!endpoints) return Fail(log, "migrate.database_failed", endpoints.error().message);
  auto admin = db::Connection::Open(endpoints->admin);
  const auto migrations = KnownMigrations();
  db::Migrator migrator(*admin, config.database.schema, log.With({{"component", "db.migrate"}}));
  auto ran = migrator.Run(migrations, options.expand_only ? db::MigrateScope::expand_only : db::MigrateScope::all);
  if (!ran) return Fail(log, "migrate.failed", ran.error().message);
  const int version = db::AppliedVersion(*db::Connection::Open(endpoints->admin.WithSchema(config.database.schema)));
  std::printf("schema %s is at version %d (%d migration%s applied now)\n", config.database.schema.c_str(), version,
              *ran, *ran == 1 ? "" : "s");
  if (version < static_cast<int>(migrations.size())) {
    std::printf(
        "%d contracting migration%s held back (--expand-only): run `teamcity-jira migrate` again once every "
        "serve runs this version\n",
        static_cast<int>(migrations.size()) - version, static_cast<int>(migrations.size()) - version == 1 ? "" : "s");
  }
  return kExitOk;
}

}  // namespace tcj::app
