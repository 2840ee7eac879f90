#include "sync/issue_builds.hpp"

#include "db/transaction.hpp"

namespace tcj::sync {
namespace {

// A count of the tests object when it is a whole number, else NULL (the panel shows nothing).
#define TCJ_TEST_COUNT(field)                                                      \
  "CASE WHEN jsonb_typeof(b.tests->'" field "') = 'number' AND (b.tests->>'" field \
  "') ~ '^[0-9]{1,15}$' "                                                          \
  "THEN (b.tests->>'" field "')::bigint END"

}  // namespace

// build_keys_newest in order, each build by its primary key, until `limit` builds that are not
// personal: the LIMIT stops the walk (a personal build skipped costs one more step, not a scan).
const std::string& IssueBuildsSql() {
  static const std::string kSql =
      "SELECT b.build_id, b.jira_state, b.project_name, b.build_type_name, b.number, b.branch, b.web_url, "
      "b.environment, " TCJ_TEST_COUNT("passed") ", " TCJ_TEST_COUNT("failed") ", " TCJ_TEST_COUNT("ignored") ", "
      "extract(epoch FROM b.finished_at - b.started_at)::bigint, "
      "coalesce(to_char(b.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
      "FROM build_keys k JOIN builds b "
      "ON b.tenant_id = k.tenant_id AND b.server_id = k.server_id AND b.build_id = k.build_id "
      "WHERE k.tenant_id = $1 AND k.issue_key = $2 AND NOT k.dropped AND NOT b.personal "
      "ORDER BY k.sort_at DESC, k.build_id DESC LIMIT $3";
  return kSql;
}

#undef TCJ_TEST_COUNT

std::vector<IssueBuild> IssueBuilds(db::Pool& pool, const core::TenantId& tenant, const core::IssueKey& key,
                                    int limit) {
  db::TenantTransaction tx(pool, tenant);
  const db::Rows rows = tx.ExecAndCommit(IssueBuildsSql(), tenant, key, limit);
  std::vector<IssueBuild> builds;
  builds.reserve(rows.size());
  const auto count = [](db::Row row, int column) { return row.OptionalInt(column).value_or(0); };
  for (db::Row row : rows) {
    builds.push_back(IssueBuild{
        .build_id = row.Int(0),
        .jira_state = row.String(1),
        .project_name = row.String(2),
        .build_type_name = row.String(3),
        .number = row.String(4),
        .branch = row.String(5),
        .web_url = row.String(6),
        .environment = row.OptionalString(7),
        .tests_passed = count(row, 8),
        .tests_failed = count(row, 9),
        .tests_ignored = count(row, 10),
        .duration_seconds = row.OptionalInt(11),
        .finished_at = row.String(12),
    });
  }
  return builds;
}

IssueBuildsReader::Builds IssueBuildsReader::Read(const core::TenantId& tenant, const core::IssueKey& key, int limit) {
  const std::string entry = tenant.str() + ' ' + key.str() + ' ' + std::to_string(limit);
  const auto now = std::chrono::steady_clock::now();
  if (auto hit = cache_.Get(entry, now)) return *hit;
  const auto ticket = cache_.BeginRead();
  auto builds = std::make_shared<const std::vector<IssueBuild>>(IssueBuilds(pool_, tenant, key, limit));
  cache_.Put(entry, builds, tenant.str(), ticket, now);
  return builds;
}

}  // namespace tcj::sync
