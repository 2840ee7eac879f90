#include "sync/build_reports.hpp"

#include "db/transaction.hpp"

namespace tcj::sync {
namespace {

#define TCJ_UTC(column) "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

// One JSON text per build, built by PostgreSQL: the columns are already JSON or plain values.
constexpr std::string_view kReportSelect =
    "SELECT jsonb_build_object("
    "'server_id', b.server_id, 'server_name', s.name, 'build_id', b.build_id, 'build_type_id', b.build_type_id, "
    "'build_type_name', b.build_type_name, 'project_name', b.project_name, 'number', b.number, 'branch', b.branch, "
    "'web_url', b.web_url, 'teamcity_state', b.teamcity_state, 'status', b.status, 'jira_state', b.jira_state, "
    "'is_deployment', b.is_deployment, "
    "'environment', CASE WHEN b.environment IS NULL THEN NULL "
    "ELSE jsonb_build_object('name', b.environment, 'type', b.environment_type) END, "
    "'issue_keys', to_jsonb(b.issue_keys), 'keys_found', b.keys_found, "
    "'keys_dropped', (SELECT coalesce(jsonb_agg(d || jsonb_build_object('key', d->>'text')), '[]'::jsonb) "
    "FROM jsonb_array_elements(b.keys_dropped) d), "
    "'notes', b.notes, 'skip_reason', b.skip_reason, 'personal', b.personal, 'tests', b.tests, "
    "'jira', jsonb_build_object('outcome', b.jira_outcome, 'detail', b.jira_detail, "
    "'last_sent_at', " TCJ_UTC("b.last_sent_at") ", 'attempts', b.send_attempts, "
    "'pending', b.record IS NOT NULL AND b.sent_usn IS DISTINCT FROM b.usn), "
    "'first_seen_at', " TCJ_UTC("b.first_seen_at") ", 'updated_at', " TCJ_UTC("b.updated_at") ", "
    "'started_at', " TCJ_UTC("b.started_at") ", 'finished_at', " TCJ_UTC("b.finished_at") ", "
    "'duration_seconds', extract(epoch FROM b.finished_at - b.started_at)::bigint)::text "
    "FROM builds b JOIN teamcity_servers s ON s.tenant_id = b.tenant_id AND s.server_id = b.server_id ";

#undef TCJ_UTC

std::string ListJson(const db::Rows& rows) {
  std::string out = R"({"builds":[)";
  bool first = true;
  for (db::Row row : rows) {
    if (!first) out += ',';
    first = false;
    out += row.Text(0);
  }
  return out + "]}";
}

}  // namespace

const std::string& ReportsByKeySql() {
  // The newest rows of the key in build_keys_newest (the LIMIT inside the index scan), then their
  // builds by primary key.
  static const std::string kSql =
      "WITH hits AS (SELECT server_id, build_id, sort_at FROM build_keys "
      "WHERE tenant_id = $1 AND issue_key = $2 "
      "ORDER BY sort_at DESC, build_id DESC LIMIT $3) " +
      std::string(kReportSelect) +
      "JOIN hits h ON h.server_id = b.server_id AND h.build_id = b.build_id "
      "WHERE b.tenant_id = $1 ORDER BY h.sort_at DESC, b.build_id DESC";
  return kSql;
}

std::string BuildReportsByIssueKeyJson(db::Pool& pool, const core::TenantId& tenant, const core::IssueKey& key,
                                       int limit) {
  db::TenantTransaction tx(pool, tenant);
  return ListJson(tx.ExecAndCommit(ReportsByKeySql(), tenant, key, limit));
}

std::string BuildReportsByBuildIdJson(db::Pool& pool, const core::TenantId& tenant, core::BuildId build_id) {
  db::TenantTransaction tx(pool, tenant);
  return ListJson(tx.Exec(std::string(kReportSelect) + "WHERE b.tenant_id = $1 AND b.build_id = $2 ORDER BY s.name",
                          tenant, build_id));
}

std::optional<std::string> RecentBuildReportsJson(db::Pool& pool, const core::TenantId& tenant,
                                                  const core::ServerId& server, int limit) {
  db::TenantTransaction tx(pool, tenant);
  if (tx.Exec("SELECT 1 FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2", tenant, server).empty()) {
    return std::nullopt;
  }
  return ListJson(tx.Exec(
      std::string(kReportSelect) + "WHERE b.tenant_id = $1 AND b.server_id = $2 ORDER BY b.build_id DESC LIMIT $3",
      tenant, server, limit));
}

}  // namespace tcj::sync
