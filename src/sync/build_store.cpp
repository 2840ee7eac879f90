#include "sync/build_store.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "jira/devinfo_json.hpp"
#include "sync/mapped_json.hpp"
#include "teamcity/dates.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

json RowJson(const MappedBuild& mapped, const OutboxEntry& entry, const std::string& draft) {
  json row = MappedBuildJson(mapped, entry);
  row["fingerprint"] = entry.fingerprint;
  row["draft"] = draft.empty() ? json(nullptr) : json(draft);
  return row;
}

// One statement per batch: a page of builds costs one round trip, not one per build. A new update
// sequence number only where the fingerprint changed.
constexpr const char* kUpsert = R"sql(
INSERT INTO builds AS b (tenant_id, server_id, build_id, build_type_id, build_type_name, project_name, number, branch,
                         teamcity_state, status, jira_state, web_url, started_at, finished_at, tests, is_deployment,
                         environment, environment_type, upstream_build_id, issue_keys, keys_found, keys_dropped, notes,
                         record, fingerprint, usn, personal, skip_reason, jira_outcome, draft)
SELECT $1, $2, r.build_id, r.build_type_id, r.build_type_name, r.project_name, r.number, r.branch, r.teamcity_state,
       r.status, r.jira_state, r.web_url, r.started_at, r.finished_at, r.tests, r.is_deployment, r.environment,
       r.environment_type, r.upstream_build_id, ARRAY(SELECT jsonb_array_elements_text(r.issue_keys)), r.keys_found,
       r.keys_dropped, r.notes, r.record::jsonb, r.fingerprint, nextval('update_sequence'), r.personal, r.skip_reason,
       CASE WHEN r.record IS NULL THEN 'not_sent' END, r.draft::jsonb
  FROM jsonb_to_recordset($3::jsonb) AS r(build_id bigint, build_type_id text, build_type_name text, project_name text,
       number text, branch text, teamcity_state text, status text, jira_state text, web_url text,
       started_at timestamptz, finished_at timestamptz, tests jsonb, is_deployment boolean, environment text,
       environment_type text, upstream_build_id bigint, issue_keys jsonb, keys_found jsonb, keys_dropped jsonb,
       notes jsonb, record text, fingerprint text, personal boolean, skip_reason text, draft text)
ON CONFLICT (tenant_id, server_id, build_id) DO UPDATE SET
  build_type_id = excluded.build_type_id, build_type_name = excluded.build_type_name,
  project_name = excluded.project_name, number = excluded.number, branch = excluded.branch,
  teamcity_state = excluded.teamcity_state, status = excluded.status, jira_state = excluded.jira_state,
  web_url = excluded.web_url, started_at = excluded.started_at, finished_at = excluded.finished_at,
  tests = excluded.tests, is_deployment = excluded.is_deployment, environment = excluded.environment,
  environment_type = excluded.environment_type, upstream_build_id = excluded.upstream_build_id,
  issue_keys = excluded.issue_keys, keys_found = excluded.keys_found, keys_dropped = excluded.keys_dropped,
  notes = excluded.notes, record = excluded.record, fingerprint = excluded.fingerprint, usn = excluded.usn,
  personal = excluded.personal, skip_reason = excluded.skip_reason, draft = excluded.draft,
  jira_outcome = CASE WHEN excluded.record IS NULL THEN 'not_sent' ELSE b.jira_outcome END, updated_at = now()
WHERE b.fingerprint IS DISTINCT FROM excluded.fingerprint
  -- A build never goes back from finished to running or from running to queued: two jobs that read
  -- the same build at different times may commit in either order.
  AND (CASE excluded.teamcity_state WHEN 'queued' THEN 0 WHEN 'running' THEN 1 ELSE 2 END)
      >= (CASE b.teamcity_state WHEN 'queued' THEN 0 WHEN 'running' THEN 1 ELSE 2 END)
)sql";

int Upsert(db::TenantTransaction& tx, const core::ServerId& server, const json& rows) {
  if (rows.empty()) return 0;
  return static_cast<int>(
      tx.Exec(kUpsert, tx.tenant(), server, rows.dump(-1, ' ', false, json::error_handler_t::replace)).affected());
}

bool FromParameter(const json& found) {
  return std::any_of(found.begin(), found.end(), [](const json& f) { return f.value("source", "") == "parameter"; });
}

}  // namespace

SaveResult SaveBuilds(db::TenantTransaction& tx, const core::ServerId& server, std::vector<MappedBuild> builds,
                      DeployedKeysAt when) {
  // Builds first: a deployment in the same batch finds the builds it deploys. Then deployments,
  // oldest first, and one is stored before a later one to the same environment is mapped, which
  // finds it as its previous deployment.
  const auto deployments =
      std::stable_partition(builds.begin(), builds.end(), [](const MappedBuild& m) { return !m.environment; });
  std::stable_sort(deployments, builds.end(),
                   [](const MappedBuild& a, const MappedBuild& b) { return a.build_id < b.build_id; });
  SaveResult result;
  json rows = json::array();
  std::set<std::pair<std::string, std::string>> unsaved_deployments;  // (configuration, environment) in rows
  auto flush = [&] {
    const int changed = Upsert(tx, server, rows);
    result.changed += changed;
    result.unchanged += static_cast<int>(rows.size()) - changed;
    rows = json::array();
    unsaved_deployments.clear();
  };
  bool deployments_started = false;
  for (MappedBuild& mapped : builds) {
    const auto* deployment = std::get_if<jira::Deployment>(&mapped.record);
    if (deployment == nullptr) {
      rows.push_back(RowJson(mapped, PrepareForOutbox(mapped), ""));
      continue;
    }
    const std::string draft = jira::DeploymentRecordJson(*deployment);
    if (when == DeployedKeysAt::refresh) {
      // Nothing to send yet: RefreshDeployments makes the record once the builds it deploys are in.
      OutboxEntry waiting;
      waiting.fingerprint = "waiting for RefreshDeployments";
      rows.push_back(RowJson(mapped, waiting, draft));
      continue;
    }
    std::pair<std::string, std::string> target{mapped.build_type_id, mapped.environment->name};
    if (!deployments_started || unsaved_deployments.contains(target)) flush();
    deployments_started = true;
    unsaved_deployments.insert(std::move(target));
    AddDeployedKeys(mapped, DeployedKeys(tx, server,
                                         {mapped.build_id, mapped.build_type_id, mapped.environment->name,
                                          mapped.upstream_build_id}));
    rows.push_back(RowJson(mapped, PrepareForOutbox(mapped), draft));
  }
  flush();
  return result;
}

std::vector<std::string> DeployedKeys(db::TenantTransaction& tx, const core::ServerId& server,
                                      const DeploymentRef& deployment) {
  if (!deployment.upstream_build_id) return {};
  // Two plain statements rather than one with CTEs: each is an index lookup with known values,
  // where the planner could not see through the CTEs and scanned the table for every deployment.
  const std::int64_t up = *deployment.upstream_build_id;
  const db::Rows range = tx.Exec(
      "SELECT u.build_type_id, u.branch, ("
      "  SELECT p.upstream_build_id FROM builds p WHERE p.tenant_id = $1 AND p.server_id = $2 AND p.is_deployment "
      "     AND p.build_type_id = $4 AND p.environment = $5 AND p.build_id < $6 AND p.jira_state = 'successful' "
      "     AND p.upstream_build_id IS NOT NULL AND NOT p.personal ORDER BY p.build_id DESC LIMIT 1) "
      "FROM builds u WHERE u.tenant_id = $1 AND u.server_id = $2 AND u.build_id = $3",
      tx.tenant(), server, up, deployment.build_type_id, deployment.environment, deployment.build_id);
  if (range.empty()) return {};
  const auto previous = range[0].OptionalInt(2);
  const std::int64_t after = previous && *previous < up ? *previous : up - 1;
  const db::Rows rows = tx.Exec(
      "SELECT k.key FROM builds b, unnest(b.issue_keys) WITH ORDINALITY AS k(key, i) "
      "WHERE b.tenant_id = $1 AND b.server_id = $2 AND b.build_type_id = $3 AND b.branch = $4 "
      "AND b.build_id > $5 AND b.build_id <= $6 AND NOT b.personal AND NOT b.is_deployment ORDER BY b.build_id DESC, k.i",
      tx.tenant(), server, range[0].String(0), range[0].String(1), after, up);
  std::vector<std::string> keys;
  for (db::Row row : rows) {
    std::string_view key = row.Text(0);
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.emplace_back(key);
  }
  return keys;
}

std::set<std::int64_t> KnownBuildIds(db::TenantTransaction& tx, const core::ServerId& server,
                                     const std::vector<std::int64_t>& ids) {
  std::set<std::int64_t> known;
  if (ids.empty()) return known;
  for (db::Row row :
       tx.Exec("SELECT build_id FROM builds WHERE tenant_id = $3 AND server_id = $1 AND build_id = ANY($2::bigint[])",
               server, ids, tx.tenant())) {
    known.insert(row.Int(0));
  }
  return known;
}

std::vector<std::int64_t> OpenBuildIds(db::TenantTransaction& tx, const core::ServerId& server) {
  std::vector<std::int64_t> ids;
  for (db::Row row : tx.Exec("SELECT build_id FROM builds WHERE tenant_id = $1 AND server_id = $2 "
                             "AND teamcity_state IN ('queued', 'running') ORDER BY build_id",
                             tx.tenant(), server)) {
    ids.push_back(row.Int(0));
  }
  return ids;
}

void MarkDeleted(db::TenantTransaction& tx, const core::ServerId& server, core::BuildId build) {
  tx.Exec(
      "UPDATE builds SET teamcity_state = 'deleted', updated_at = now() "
      "WHERE tenant_id = $3 AND server_id = $1 AND build_id = $2",
      server, build, tx.tenant());
}

int RefreshDeployments(db::TenantTransaction& tx, const core::ServerId& server, core::BuildId since) {
  const db::Rows rows = tx.Exec(
      "SELECT build_id, build_type_id, environment, upstream_build_id, draft::text, keys_found::text, teamcity_state, "
      "status, skip_reason, fingerprint FROM builds WHERE tenant_id = $3 AND server_id = $1 AND is_deployment "
      "AND draft IS NOT NULL AND build_id >= $2 ORDER BY build_id",
      server, since, tx.tenant());
  int changed = 0;
  for (db::Row row : rows) {
    auto draft = jira::ParseDeploymentRecord(row.Text(4));
    if (!draft) continue;
    jira::Deployment deployment = std::move(*draft);
    // Keys from the jira.issueKeys parameter replace every other source, deployed builds' too.
    const json found = json::parse(row.Text(5), nullptr, false);
    if (found.is_array() && !FromParameter(found)) {
      for (auto& key : DeployedKeys(tx, server, {row.Int(0), row.String(1), row.String(2), row.OptionalInt(3)})) {
        if (std::find(deployment.issue_keys.begin(), deployment.issue_keys.end(), key) == deployment.issue_keys.end()) {
          deployment.issue_keys.push_back(std::move(key));
        }
      }
    }
    const std::vector<std::string> keys = deployment.issue_keys;
    auto prepared = jira::PrepareDeployments({std::move(deployment)});
    const std::string record_json =
        prepared.deployments.empty() ? std::string() : jira::DeploymentRecordJson(prepared.deployments.front());
    const std::string fingerprint =
        OutboxFingerprint(record_json, row.Text(6), row.Text(7), row.Text(8), prepared.notes);
    if (fingerprint == row.Text(9)) continue;  // what a poll would store now is stored already
    tx.Exec(
        "UPDATE builds SET record = $3::jsonb, issue_keys = $4::text[], "
        "notes = $5::jsonb, fingerprint = $6, usn = nextval('update_sequence'), "
        "jira_outcome = CASE WHEN $3::jsonb IS NULL THEN 'not_sent' ELSE jira_outcome END, updated_at = now() "
        "WHERE tenant_id = $7 AND server_id = $1 AND build_id = $2",
        server, row.Int(0),
        record_json.empty() ? std::optional<std::string>() : std::optional<std::string>(record_json), keys,
        NotesJson(prepared.notes).dump(), fingerprint, tx.tenant());
    ++changed;
  }
  return changed;
}

std::int64_t PendingCount(db::TenantTransaction& tx) {
  return tx
      .Exec(
          "SELECT count(*) FROM builds WHERE tenant_id = $1 AND record IS NOT NULL "
          "AND sent_usn IS DISTINCT FROM usn",
          tx.tenant())[0]
      .Int(0);
}

std::size_t MarkAllUnsent(db::TenantTransaction& tx) {
  return tx
      .Exec("UPDATE builds SET sent_usn = NULL WHERE tenant_id = $1 AND record IS NOT NULL AND sent_usn IS NOT NULL",
            tx.tenant())
      .affected();
}

}  // namespace tcj::sync
