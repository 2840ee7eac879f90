#include "tenants/audit_log.hpp"

#include "db/transaction.hpp"

namespace tcj::tenants {

std::string_view ToString(ActorKind kind) {
  switch (kind) {
    case ActorKind::jira_user: return "jira_user";
    case ActorKind::admin_token: return "admin_token";
    case ActorKind::atlassian: return "atlassian";
    case ActorKind::operator_: return "operator";
  }
  return "operator";
}

void RecordAudit(db::Pool& pool, const core::TenantId& tenant, const Actor& actor, const AuditEntry& entry) {
  db::TenantTransaction tx(pool, tenant);
  tx.Exec("INSERT INTO audit_events (tenant_id, actor_kind, actor_id, client_address, action, target, detail) "
          "VALUES ($1, $2, left($3, 255), left($4, 64), $5, left($6, 255), $7::jsonb)",
          tenant, std::string(ToString(actor.kind)), actor.id, actor.client_address, entry.action, entry.target,
          entry.detail_json);
  tx.Commit();
}

std::string AuditEventsJson(db::Pool& pool, const core::TenantId& tenant, int limit,
                            std::optional<std::int64_t> before) {
  db::TenantTransaction tx(pool, tenant);
  // Built by PostgreSQL: the detail is stored JSON and goes out as it is.
  const db::Rows rows = tx.Exec(R"sql(
WITH page AS (  -- one more than asked: whether there is a next page at all
  SELECT event_id, at, actor_kind, actor_id, client_address, action, target, detail,
         row_number() OVER (ORDER BY event_id DESC) AS n FROM audit_events
   WHERE tenant_id = $1 AND ($3::bigint IS NULL OR event_id < $3::bigint)
   ORDER BY event_id DESC LIMIT $2::integer + 1)
SELECT jsonb_build_object(
  'events', coalesce(jsonb_agg(jsonb_build_object(
      'id', event_id, 'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'actor', jsonb_build_object('kind', actor_kind, 'id', actor_id), 'client_address', client_address,
      'action', action, 'target', target, 'detail', detail) ORDER BY event_id DESC) FILTER (WHERE n <= $2), '[]'),
  'next_before', CASE WHEN count(*) > $2 THEN min(event_id) FILTER (WHERE n <= $2) END)::text FROM page)sql",
                                tenant, limit, before ? db::Param(*before) : db::Param(nullptr));
  tx.Commit();
  return rows[0].String(0);
}

}  // namespace tcj::tenants
