#include "tenants/retention.hpp"

#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

std::string Timestamp(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return std::to_string(seconds);
}

std::int64_t PurgeIfUninstalledBefore(db::Pool& pool, const core::TenantId& tenant, const std::string& cutoff_epoch) {
  db::Transaction tx(pool);
  const db::Rows rows =
      tx.Exec("SELECT purge_uninstalled_tenant($1, to_timestamp($2::double precision))", tenant, cutoff_epoch);
  tx.Commit();
  return rows[0].Int(0);
}

}  // namespace

std::vector<PurgedTenant> PurgeUninstalled(db::Pool& pool, std::chrono::system_clock::time_point now,
                                           int uninstalled_days, const core::Logger& log, bool dry_run) {
  const std::string cutoff = Timestamp(now - std::chrono::hours(24) * uninstalled_days);
  std::vector<core::TenantId> candidates;
  {
    db::Transaction tx(pool);
    for (db::Row row : tx.Exec("SELECT purgeable_tenants(to_timestamp($1::double precision))", cutoff)) {
      candidates.emplace_back(row.String(0));
    }
    tx.Commit();
  }
  std::vector<PurgedTenant> purged;
  for (const core::TenantId& tenant : candidates) {
    if (dry_run) {
      purged.push_back({tenant, 0});
      continue;
    }
    const std::int64_t rows = PurgeIfUninstalledBefore(pool, tenant, cutoff);
    if (rows < 0) continue;  // reinstalled meanwhile, or another process has it
    log.Info("retention.purged", {{"tenant", tenant.str()}, {"rows", rows}});
    purged.push_back({tenant, rows});
  }
  return purged;
}

std::int64_t DeleteTenantNow(db::Pool& owner_pool, const core::TenantId& tenant, const core::Logger& log) {
  db::Transaction tx(owner_pool);
  const std::int64_t rows = tx.Exec("SELECT delete_tenant_on_request($1)", tenant)[0].Int(0);
  tx.Commit();
  if (rows >= 0) log.Info("retention.deleted_on_request", {{"tenant", tenant.str()}, {"rows", rows}});
  return rows;
}

std::string ExportTenantJson(db::Pool& pool, const core::TenantId& tenant) {
  db::TenantTransaction tx(pool, tenant);
  // Built by PostgreSQL from explicit column lists: a secret column added later stays out.
  const db::Rows rows = tx.Exec(R"sql(
SELECT jsonb_build_object(
  'site', (SELECT to_jsonb(t) FROM (SELECT tenant_id, kind, site_url, display_name, state, created_at, updated_at,
                                           uninstalled_at, client_key, cloud_id FROM tenants WHERE tenant_id = $1) t),
  'teamcity_servers', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (
      SELECT server_id, name, url, auth_kind, synced_projects, project_allowlist, deployment_rules,
             created_at, updated_at FROM teamcity_servers WHERE tenant_id = $1 ORDER BY created_at) s),
  'sync_state', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (
      SELECT server_id, cursor_time, server_version, last_poll_at, last_success_at, consecutive_failures,
             last_error, builds_seen, backfill FROM server_sync WHERE tenant_id = $1) s),
  'builds', (SELECT coalesce(jsonb_agg(to_jsonb(b) ORDER BY b.server_id, b.build_id), '[]') FROM (
      SELECT server_id, build_id, build_type_id, build_type_name, project_name, number, branch, teamcity_state,
             status, jira_state, web_url, started_at, finished_at, tests, is_deployment, environment,
             environment_type, issue_keys, keys_found, keys_dropped, record, jira_outcome, jira_detail,
             last_sent_at, first_seen_at, updated_at FROM builds WHERE tenant_id = $1) b),
  'events', (SELECT coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.event_id), '[]') FROM (
      SELECT server_id, event_id, at, level, kind, message FROM server_events WHERE tenant_id = $1) e),
  'forge_installations', (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.created_at), '[]') FROM (
      SELECT installation_id, cloud_id, app_id, environment_type, environment_id, api_base_url, state,
             system_token_expires_at, created_at, updated_at, uninstalled_at FROM forge_installations
       WHERE tenant_id = $1) f),
  'admin_tokens', (SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM (
      SELECT token_id, name, created_at, last_used_at, revoked_at FROM admin_tokens WHERE tenant_id = $1) a),
  'audit_events', (SELECT coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.event_id), '[]') FROM (
      SELECT event_id, at, actor_kind, actor_id, client_address, action, target, detail FROM audit_events
       WHERE tenant_id = $1) e)
)::text)sql",
                                tenant);
  tx.Commit();
  return rows.empty() ? "{}" : rows[0].String(0);
}

}  // namespace tcj::tenants
