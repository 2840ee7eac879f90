// The doctor's checks of the database: reachable, schema, runtime role, clock, servers, jobs.
#include <fmt/format.h>

#include <chrono>

#include "app/database.hpp"
#include "app/doctor_checks.hpp"
#include "db/error.hpp"
#include "db/local_cluster.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/runtime_role.hpp"
#include "db/serve_registry.hpp"
#include "relay/relay_tokens.hpp"

namespace tcj::app::doctor {
namespace {

// An unreachable host must not hold the doctor for minutes.
constexpr const char* kConnectTimeoutSeconds = "10";

// A queued job this long past its due time is not waiting for its turn: nobody is taking jobs.
constexpr int kOverdueMinutes = 10;

std::unique_ptr<db::Connection> Open(const db::ConnectionSettings& settings) {
  return db::Connection::Open(settings.With("connect_timeout", kConnectTimeoutSeconds));
}

}  // namespace

struct DatabaseChecks::State {
  DatabaseEndpoints endpoints;
  std::unique_ptr<db::Connection> version;  // endpoints.version_check
  std::unique_ptr<db::Connection> owner;    // endpoints.admin, schema set
  std::unique_ptr<db::Pool> runtime_pool;   // for the relay state, read as the service reads it
};

DatabaseChecks::DatabaseChecks(const Context& context)
    : context_(context),
      state_(std::make_unique<State>(State{DescribeDatabaseEndpoints(context.config), {}, {}, {}})) {}

DatabaseChecks::~DatabaseChecks() = default;

Finding DatabaseChecks::Reachable() {
  const config::DatabaseConfig& database = context_.config.database;
  if (database.embedded()) {
    // The embedded cluster runs while serve (or migrate) runs and stops with it; the doctor
    // reports its state and leaves it as it is.
    switch (db::LocalCluster::Probe(database.data_dir)) {
      case db::LocalCluster::Presence::absent:
        return Failure("database", "no embedded database in " + database.data_dir + " yet",
                       "create it with " + context_.Command("migrate") + ", then start the service with " +
                           context_.Command("serve") + " (or set database.url to your own PostgreSQL)");
      case db::LocalCluster::Presence::stopped:
        return Failure(
            "database",
            "the embedded PostgreSQL in " + database.data_dir + " is not running (doctor does not start it)",
            "start it with " + context_.Command("serve") + ", which runs it while it serves, then run doctor again");
      case db::LocalCluster::Presence::running:
        break;
    }
  }
  try {
    state_->version = Open(state_->endpoints.version_check);
    const db::Rows rows = state_->version->Exec("SHOW server_version");
    return Ok("database", fmt::format("reached {} (PostgreSQL {})", state_->endpoints.description, rows[0].String(0)));
  } catch (const db::DbError& e) {
    state_->version.reset();
    if (database.embedded()) {
      return Failure("database", "the embedded PostgreSQL does not answer: " + std::string(e.what()),
                     "see " + database.data_dir + "/server.log, then restart " + context_.Command("serve"));
    }
    return Failure("database", e.what(),
                   "check database.url (host, port, database, user, password) and that PostgreSQL runs and accepts "
                   "connections from this machine");
  }
}

Finding DatabaseChecks::Schema() {
  const auto migrations = KnownMigrations();
  const int known = static_cast<int>(migrations.size());
  return EvaluateSchema(db::AppliedVersion(*state_->version), db::RequiredVersion(migrations), known,
                        db::AppliedContractingAfter(*state_->version, known), context_.Command("migrate"));
}

Finding DatabaseChecks::ServeProcesses() {
  return EvaluateServeProcesses(db::LiveServes(*state_->version, context_.config.database.schema));
}

Finding DatabaseChecks::RuntimeRole() {
  // Embedded: the version check ran as the superuser, the service runs as tcj_app. With
  // database.url both are the service's role.
  std::unique_ptr<db::Connection> separate;
  db::Connection* conn = state_->version.get();
  if (context_.config.database.embedded()) {
    separate = Open(state_->endpoints.runtime);
    conn = separate.get();
  }
  // The check serve makes at its start and while it runs (db::RuntimeRoleProblems).
  const std::vector<std::string> problems = db::RuntimeRoleProblems(*conn);
  if (problems.empty()) {
    return Ok("database role",
              "the service's role is bound by row level security (no superuser, no BYPASSRLS, "
              "owns nothing, no member of tcj_owner)");
  }
  std::string detail;
  for (const std::string& p : problems) detail += (detail.empty() ? "" : "; ") + p;
  return Failure("database role", detail,
                 "serve refuses to start with this role: give database.url a role that row level security binds "
                 "(the migrations create tcj_app for it), or make the changes named");
}

Finding DatabaseChecks::Clock() {
  // The database's clock read between two readings of ours: the middle of the round trip.
  const auto before = context_.clock.Now();
  const db::Rows rows = state_->version->Exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
  const auto after = context_.clock.Now();
  const std::chrono::milliseconds database{rows[0].Int(0)};
  const auto local =
      std::chrono::duration_cast<std::chrono::milliseconds>((before + (after - before) / 2).time_since_epoch());
  return EvaluateClockSkew(database - local);
}

std::optional<Finding> DatabaseChecks::OpenOwner() {
  state_->owner = Open(state_->endpoints.admin.WithSchema(context_.config.database.schema));
  const db::Rows rows = state_->owner->Exec(
      "SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = 'tcj_owner' "
      "                                AND pg_has_role(r.oid, o.oid, 'USAGE')) "
      "FROM pg_roles r WHERE r.rolname = current_user");
  if (!rows.empty() && rows[0].Bool(0)) return std::nullopt;
  state_->owner.reset();
  return Warning("TeamCity servers and jobs",
                 "not checked: reading every site's servers and jobs takes the owner's role, and "
                 "database.migrate_url is not set (the service's own role sees no site without its tenant)",
                 "set database.migrate_url to the role that runs migrations, then run doctor again");
}

std::vector<TeamCityServer> DatabaseChecks::Servers() {
  // maintenance_read (0003_secrets.sql) lets the owner read every server; the credentials column
  // is not read at all.
  const db::Rows rows = state_->owner->Exec(
      "SELECT s.tenant_id, s.server_id, s.name, s.url, s.auth_kind = 'relay', t.site_url "
      "FROM teamcity_servers s JOIN tenants t USING (tenant_id) "
      "WHERE t.state = 'active' AND NOT s.deleting ORDER BY t.site_url, s.name");
  std::vector<TeamCityServer> out;
  out.reserve(rows.size());
  for (db::Row row : rows) {
    out.push_back({core::TenantId(row.String(0)), core::ServerId(row.String(1)), row.String(2), row.String(3),
                   row.Bool(4), row.String(5)});
  }
  return out;
}

Finding DatabaseChecks::RelayState(const TeamCityServer& server) {
  if (!state_->runtime_pool) {
    state_->runtime_pool = std::make_unique<db::Pool>(
        state_->endpoints.runtime.With("connect_timeout", kConnectTimeoutSeconds), db::PoolOptions{.size = 1});
  }
  relay::RelayTokens tokens(*state_->runtime_pool);
  const relay::RelayStatus status = tokens.Status(server.tenant, server.server);
  const std::string title = TeamCityTitle(server);
  if (!status.token) {
    return Failure(title, "reached through a relay, which has no token yet",
                   "create the relay's token on the server's admin page, then start `teamcity-jira relay` next to "
                   "TeamCity with it");
  }
  if (!status.connected) {
    return Failure(title,
                   "reached through a relay, which is not connected" +
                       (status.disconnected_at.empty() ? std::string() : " (since " + status.disconnected_at + ")"),
                   "start `teamcity-jira relay --config FILE` next to TeamCity (its log says why it cannot connect), "
                   "and keep `teamcity-jira serve` running: relays connect to it");
  }
  return Ok(title, "relay connected since " + status.connected_since +
                       (status.version.empty() ? std::string() : " (relay " + status.version + ")"));
}

Finding DatabaseChecks::Jobs() {
  // Through the owner's maintenance_claim policy (0005_sync.sql). Jobs of sites that are not
  // active are left out: uninstalling a site kills its jobs on purpose. A dead job counts only
  // while it is the last of its kind for that server (its dedup key): a later one replaced it.
  const db::Rows rows = state_->owner->Exec(fmt::format(
      "SELECT "
      "  (SELECT count(*) FROM jobs j JOIN tenants t USING (tenant_id) WHERE t.state = 'active' AND j.state = 'dead' "
      "      AND NOT EXISTS (SELECT 1 FROM jobs n WHERE n.tenant_id = j.tenant_id AND n.dedup_key = j.dedup_key "
      "                         AND n.created_at > j.created_at)), "
      "  (SELECT coalesce(string_agg(DISTINCT j.kind, ', '), '') FROM jobs j JOIN tenants t USING (tenant_id) "
      "      WHERE t.state = 'active' AND j.state = 'dead' AND NOT EXISTS (SELECT 1 FROM jobs n "
      "        WHERE n.tenant_id = j.tenant_id AND n.dedup_key = j.dedup_key AND n.created_at > j.created_at)), "
      "  (SELECT count(*) FROM jobs j JOIN tenants t USING (tenant_id) WHERE t.state = 'active' "
      "      AND j.state = 'running' AND j.lease_until < now()), "
      "  (SELECT count(*) FROM jobs j JOIN tenants t USING (tenant_id) WHERE t.state = 'active' "
      "      AND j.state = 'queued' AND j.next_run_at < now() - interval '{} minutes'), "
      "  (SELECT count(*) FROM jobs j JOIN tenants t USING (tenant_id) WHERE t.state = 'active' "
      "      AND j.state IN ('queued', 'running'))",
      kOverdueMinutes));
  const db::Row row = rows[0];
  const std::int64_t dead = row.Int(0);
  const std::string dead_kinds = row.String(1);
  const std::int64_t expired = row.Int(2);
  const std::int64_t overdue = row.Int(3);
  const std::int64_t live = row.Int(4);
  if (dead > 0) {
    return Failure("jobs",
                   fmt::format("{} dead job{} ({}): the sync gave up on {}", dead, dead == 1 ? "" : "s", dead_kinds,
                               dead == 1 ? "it" : "them"),
                   "each server's status (its admin page, or GET /api/v1/servers/{id}/status) says why; once that is "
                   "fixed, start its backfill again (Backfill on the admin page, or POST "
                   "/api/v1/servers/{id}/backfill), and restart serve to recreate a dead poll");
  }
  if (expired > 0 || overdue > 0) {
    std::string detail;
    if (expired > 0) {
      detail = fmt::format("{} running job{} whose lease expired (the process running {} stopped)", expired,
                           expired == 1 ? "" : "s", expired == 1 ? "it" : "them");
    }
    if (overdue > 0) {
      detail += fmt::format("{}{} job{} due more than {} minutes ago", detail.empty() ? "" : "; ", overdue,
                            overdue == 1 ? "" : "s", kOverdueMinutes);
    }
    return Warning("jobs", detail,
                   "make sure " + context_.Command("serve") +
                       " is running (any serve process takes them over); if it is, its workers are saturated: raise "
                       "sync.workers");
  }
  return Ok("jobs", fmt::format("none dead or stuck ({} queued or running)", live));
}

}  // namespace tcj::app::doctor
