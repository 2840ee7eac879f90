#include "sync/build_store.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/time.hpp"
#include "jira/devinfo_json.hpp"
#include "sync/mapped_json.hpp"
#include "sync/outbox.hpp"
#include "teamcity/model.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

// One statement per batch: a page of builds costs one round trip, not one per build, and its
// columns come as arrays, which PostgreSQL reads far faster than a JSON document of rows. A new
// update sequence number only where the fingerprint changed. '' stands for NULL in the arrays.
constexpr const char* kUpsert = R"sql(
INSERT INTO builds AS b (tenant_id, server_id, build_id, build_type_id, build_type_name, project_name, number, branch,
                         teamcity_state, status, jira_state, web_url, started_at, finished_at, tests, is_deployment,
                         environment, environment_type, upstream_build_id, issue_keys, keys_found, keys_dropped, notes,
                         record, fingerprint, usn, personal, skip_reason, jira_outcome, draft)
SELECT $1, $2, r.build_id, r.build_type_id, r.build_type_name, r.project_name, r.number, r.branch, r.teamcity_state,
       r.status, r.jira_state, r.web_url, NULLIF(r.started_at, '')::timestamptz, NULLIF(r.finished_at, '')::timestamptz,
       NULLIF(r.tests, '')::jsonb, r.is_deployment, CASE WHEN r.is_deployment THEN r.environment END,
       CASE WHEN r.is_deployment THEN r.environment_type END, NULLIF(r.upstream_build_id, 0), r.issue_keys::text[],
       r.keys_found::jsonb, r.keys_dropped::jsonb, r.notes::jsonb, NULLIF(r.record, '')::jsonb, r.fingerprint,
       nextval('update_sequence'), r.personal, r.skip_reason, CASE WHEN r.record = '' THEN 'not_sent' END,
       NULLIF(r.draft, '')::jsonb
  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
              $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::boolean[], $17::text[],
              $18::text[], $19::bigint[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[],
              $25::text[], $26::boolean[], $27::text[], $28::text[])
       AS r(build_id, build_type_id, build_type_name, project_name, number, branch, teamcity_state, status,
            jira_state, web_url, started_at, finished_at, tests, is_deployment, environment, environment_type,
            upstream_build_id, issue_keys, keys_found, keys_dropped, notes, record, fingerprint, personal,
            skip_reason, draft)
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

// Text PostgreSQL stores: valid UTF-8 and no NUL, which no text value may hold. The TeamCity
// parser already gives both; this keeps one odd value, wherever it came from, from failing the
// statement of a whole page.
std::string Storable(std::string text) {
  core::RepairUtf8(text);
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// {"A-1","B-2"}: the text form of a text[], every element quoted.
std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& value : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// The keys each deployment deploys (see DeployedKeys), for many deployments in one statement: the
// build each deploys, the upstream build the previous successful deployment to the same
// environment deployed, and the keys of the upstream configuration's builds on that branch in
// between, newest first, each key once. Every step is an index lookup.
constexpr const char* kDeployedKeys = R"sql(
SELECT d.i, coalesce(k.keys, '{}')::text
  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY
       AS d(build_id, build_type_id, environment, upstream_build_id, i)
  LEFT JOIN LATERAL (
    SELECT u.build_type_id, u.branch, u.build_id AS up, (
             SELECT p.upstream_build_id FROM builds p
              WHERE p.tenant_id = $1 AND p.server_id = $2 AND p.is_deployment AND p.build_type_id = d.build_type_id
                AND p.environment = d.environment AND p.build_id < d.build_id AND p.jira_state = 'successful'
                AND p.upstream_build_id IS NOT NULL AND NOT p.personal
              ORDER BY p.build_id DESC LIMIT 1) AS previous
      FROM builds u WHERE u.tenant_id = $1 AND u.server_id = $2 AND u.build_id = d.upstream_build_id) r ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(f.key ORDER BY f.build_id DESC, f.i) AS keys FROM (
      SELECT DISTINCT ON (k.key) k.key, b.build_id, k.i
        FROM builds b, unnest(b.issue_keys) WITH ORDINALITY AS k(key, i)
       WHERE b.tenant_id = $1 AND b.server_id = $2 AND b.build_type_id = r.build_type_id AND b.branch = r.branch
         AND b.build_id > CASE WHEN r.previous < r.up THEN r.previous ELSE r.up - 1 END AND b.build_id <= r.up
         AND NOT b.personal AND NOT b.is_deployment AND k.key <> ''
       ORDER BY k.key, b.build_id DESC, k.i) f) k ON true
 ORDER BY d.i
)sql";

// PostgreSQL's text form of a text[] of issue keys ({A-1,B-2}), which need no quotes or escapes:
// the key policy admits only [A-Z][A-Z0-9_]*-[0-9]+ (quotes are dropped, nothing is unescaped).
std::vector<std::string> KeysOfArray(std::string_view text) {
  std::vector<std::string> keys;
  if (text.size() < 2) return keys;
  text = text.substr(1, text.size() - 2);
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view key = text.substr(0, comma);
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
    if (!key.empty()) keys.emplace_back(key);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return keys;
}

std::vector<std::vector<std::string>> DeployedKeysOf(db::TenantTransaction& tx, const core::ServerId& server,
                                                     const std::vector<DeploymentRef>& deployments) {
  std::vector<std::int64_t> ids, upstreams;
  std::vector<std::string> types, environments;
  std::vector<std::vector<std::string>> keys(deployments.size());
  for (const DeploymentRef& d : deployments) {
    ids.push_back(d.build_id);
    types.push_back(d.build_type_id);
    environments.push_back(d.environment);
    upstreams.push_back(d.upstream_build_id.value_or(0));  // 0: no build has it, so no keys
  }
  if (deployments.empty()) return keys;
  for (db::Row row : tx.Exec(kDeployedKeys, tx.tenant(), server, ids, types, environments, upstreams)) {
    keys.at(static_cast<std::size_t>(row.Int(0) - 1)) = KeysOfArray(row.Text(1));
  }
  return keys;
}

// A deployment's record completed: set-based, one statement per chunk.
constexpr const char* kCompleteDeployments = R"sql(
UPDATE builds b SET record = u.record::jsonb, issue_keys = ARRAY(SELECT jsonb_array_elements_text(u.issue_keys)),
       notes = u.notes, fingerprint = u.fingerprint, usn = nextval('update_sequence'),
       jira_outcome = CASE WHEN u.record IS NULL THEN 'not_sent' ELSE b.jira_outcome END, updated_at = now()
  FROM jsonb_to_recordset($3::jsonb) AS u(build_id bigint, record text, issue_keys jsonb, notes jsonb, fingerprint text)
 WHERE b.tenant_id = $1 AND b.server_id = $2 AND b.build_id = u.build_id
)sql";

}  // namespace

void BuildRows::Add(const MappedBuild& mapped, const OutboxEntry& entry, std::string draft) {
  build_id_.push_back(mapped.build_id);
  upstream_build_id_.push_back(mapped.upstream_build_id.value_or(0));
  build_type_id_.push_back(Storable(mapped.build_type_id));
  build_type_name_.push_back(Storable(mapped.build_type_name));
  project_name_.push_back(Storable(mapped.project_name));
  number_.push_back(Storable(mapped.number));
  branch_.push_back(Storable(mapped.branch));
  teamcity_state_.emplace_back(teamcity::ToString(mapped.teamcity_state));
  status_.push_back(Storable(mapped.status));
  jira_state_.emplace_back(jira::ToString(mapped.jira_state));
  web_url_.push_back(Storable(mapped.web_url));
  started_at_.push_back(mapped.started_at ? core::FormatRfc3339(*mapped.started_at) : "");
  finished_at_.push_back(mapped.finished_at ? core::FormatRfc3339(*mapped.finished_at) : "");
  tests_.push_back(mapped.tests ? Dump(TestsJson(mapped.tests)) : "");
  is_deployment_.emplace_back(mapped.environment ? "t" : "f");
  environment_.push_back(mapped.environment ? Storable(mapped.environment->name) : "");
  environment_type_.emplace_back(mapped.environment ? jira::ToString(mapped.environment->type) : "");
  issue_keys_.push_back(Storable(TextArray(entry.issue_keys)));
  keys_found_.push_back(Dump(KeysFoundJson(mapped.keys.found)));
  keys_dropped_.push_back(Dump(KeysDroppedJson(mapped.keys.dropped)));
  notes_.push_back(Dump(NotesJson(entry.notes)));
  record_.push_back(Storable(entry.record_json));
  fingerprint_.push_back(entry.fingerprint);
  personal_.emplace_back(mapped.personal ? "t" : "f");
  skip_reason_.push_back(Storable(mapped.skip_reason));
  draft_.push_back(Storable(std::move(draft)));
}

SaveResult WriteBuildRows(db::TenantTransaction& tx, const core::ServerId& server, const BuildRows& rows) {
  if (rows.empty()) return {};
  const int changed = static_cast<int>(
      tx.Exec(kUpsert, tx.tenant(), server, rows.build_id_, rows.build_type_id_, rows.build_type_name_,
              rows.project_name_, rows.number_, rows.branch_, rows.teamcity_state_, rows.status_, rows.jira_state_,
              rows.web_url_, rows.started_at_, rows.finished_at_, rows.tests_, rows.is_deployment_, rows.environment_,
              rows.environment_type_, rows.upstream_build_id_, rows.issue_keys_, rows.keys_found_, rows.keys_dropped_,
              rows.notes_, rows.record_, rows.fingerprint_, rows.personal_, rows.skip_reason_, rows.draft_)
          .affected());
  return {changed, static_cast<int>(rows.size()) - changed};
}

namespace {

// Builds first: a deployment in the same batch finds the builds it deploys. Then deployments,
// oldest first, so one is stored before a later one to the same environment is mapped, which
// finds it as its previous deployment. Returns where the deployments start.
std::vector<MappedBuild>::iterator BuildsBeforeDeployments(std::vector<MappedBuild>& builds) {
  const auto deployments =
      std::stable_partition(builds.begin(), builds.end(), [](const MappedBuild& m) { return !m.environment; });
  std::stable_sort(deployments, builds.end(),
                   [](const MappedBuild& a, const MappedBuild& b) { return a.build_id < b.build_id; });
  return deployments;
}

}  // namespace

BuildRows PrepareBackfillRows(std::vector<MappedBuild> builds) {
  BuildsBeforeDeployments(builds);
  BuildRows rows;
  for (const MappedBuild& mapped : builds) {
    const auto* deployment = std::get_if<jira::Deployment>(&mapped.record);
    if (deployment == nullptr) {
      rows.Add(mapped, PrepareForOutbox(mapped));
      continue;
    }
    // Nothing to send yet: RefreshDeploymentsAfter makes the record once the builds it deploys are in.
    OutboxEntry waiting;
    waiting.issue_keys = deployment->issue_keys;
    waiting.fingerprint = "waiting for RefreshDeployments";
    rows.Add(mapped, waiting, jira::DeploymentRecordJson(*deployment));
  }
  return rows;
}

SaveResult SaveBuilds(db::TenantTransaction& tx, const core::ServerId& server, std::vector<MappedBuild> builds,
                      DeployedKeysAt when) {
  if (when == DeployedKeysAt::refresh) return WriteBuildRows(tx, server, PrepareBackfillRows(std::move(builds)));
  const auto deployments = BuildsBeforeDeployments(builds);
  SaveResult result;
  BuildRows rows;
  std::set<std::pair<std::string, std::string>> unsaved_deployments;  // (configuration, environment) in rows
  auto flush = [&] {
    const SaveResult saved = WriteBuildRows(tx, server, rows);
    result.changed += saved.changed;
    result.unchanged += saved.unchanged;
    rows = BuildRows();
    unsaved_deployments.clear();
  };
  for (auto it = builds.begin(); it != builds.end(); ++it) {
    MappedBuild& mapped = *it;
    const auto* deployment = std::get_if<jira::Deployment>(&mapped.record);
    if (deployment == nullptr) {
      rows.Add(mapped, PrepareForOutbox(mapped));
      continue;
    }
    std::string draft = jira::DeploymentRecordJson(*deployment);
    std::pair<std::string, std::string> target{mapped.build_type_id, mapped.environment->name};
    if (it == deployments || unsaved_deployments.contains(target)) flush();
    unsaved_deployments.insert(std::move(target));
    AddDeployedKeys(mapped, DeployedKeys(tx, server,
                                         {mapped.build_id, mapped.build_type_id, mapped.environment->name,
                                          mapped.upstream_build_id}));
    rows.Add(mapped, PrepareForOutbox(mapped), std::move(draft));
  }
  flush();
  return result;
}

std::vector<std::string> DeployedKeys(db::TenantTransaction& tx, const core::ServerId& server,
                                      const DeploymentRef& deployment) {
  auto keys = DeployedKeysOf(tx, server, {deployment});
  return keys.empty() ? std::vector<std::string>{} : std::move(keys.front());
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

DeploymentRefresh RefreshDeploymentsAfter(db::TenantTransaction& tx, const core::ServerId& server, std::int64_t after) {
  const db::Rows rows = tx.Exec(
      "SELECT build_id, build_type_id, environment, upstream_build_id, draft::text, "
      "keys_found @> '[{\"source\": \"parameter\"}]', teamcity_state, status, skip_reason, fingerprint "
      "FROM builds WHERE tenant_id = $3 AND server_id = $1 AND is_deployment AND draft IS NOT NULL "
      "AND build_id > $2 ORDER BY build_id LIMIT $4",
      server, after, tx.tenant(), kDeploymentsPerRefresh);
  DeploymentRefresh refresh;
  if (rows.empty()) return refresh;
  std::vector<DeploymentRef> refs;
  refs.reserve(rows.size());
  for (db::Row row : rows) refs.push_back({row.Int(0), row.String(1), row.String(2), row.OptionalInt(3)});
  const auto deployed = DeployedKeysOf(tx, server, refs);
  json updates = json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const db::Row row = rows[i];
    auto draft = jira::ParseDeploymentRecord(row.Text(4));
    if (!draft) continue;
    const OutboxEntry entry = PrepareDeploymentForOutbox(std::move(*draft), row.Bool(5), deployed[i],
                                                         {row.Text(6), row.Text(7), row.Text(8)});
    if (entry.fingerprint == row.Text(9)) continue;  // what a poll would store now is stored already
    updates.push_back({{"build_id", row.Int(0)},
                       {"record", entry.record_json.empty() ? json(nullptr) : json(entry.record_json)},
                       {"issue_keys", entry.issue_keys},
                       {"notes", NotesJson(entry.notes)},
                       {"fingerprint", entry.fingerprint}});
  }
  if (!updates.empty()) {
    refresh.changed = static_cast<int>(
        tx.Exec(kCompleteDeployments, tx.tenant(), server, updates.dump(-1, ' ', false, json::error_handler_t::replace))
            .affected());
  }
  const bool maybe_more = rows.size() == static_cast<std::size_t>(kDeploymentsPerRefresh);
  if (maybe_more) refresh.resume_after = rows[rows.size() - 1].Int(0);
  return refresh;
}

std::vector<PendingRecord> PendingRecords(db::TenantTransaction& tx, int limit) {
  // Records stored before the outbox left the number out still carry one: it goes, as Jira must
  // get the current one only once.
  const db::Rows rows = tx.Exec(
      "SELECT server_id, build_id, usn, is_deployment, "
      "(CASE WHEN record ? 'updateSequenceNumber' THEN record - 'updateSequenceNumber' ELSE record END)::text, "
      "CASE WHEN is_deployment THEN record #>> '{pipeline,id}' ELSE record ->> 'pipelineId' END, "
      "record #>> '{environment,id}', issue_keys::text FROM builds "
      "WHERE tenant_id = $1 AND record IS NOT NULL AND sent_usn IS DISTINCT FROM usn ORDER BY usn LIMIT $2",
      tx.tenant(), limit);
  std::vector<PendingRecord> records;
  records.reserve(rows.size());
  for (db::Row row : rows) {
    PendingRecord& r = records.emplace_back();
    r.server = core::ServerId(row.String(0));
    r.build = core::BuildId(row.Int(1));
    r.usn = row.Int(2);
    r.deployment = row.Bool(3);
    r.record_json = row.String(4);
    // A build's number and a deployment's sequence number are its TeamCity build id.
    if (r.deployment) {
      r.key = jira::DeploymentKey{row.String(5), row.String(6), r.build.value()};
    } else {
      r.key = jira::BuildKey{row.String(5), r.build.value()};
    }
    r.issue_keys = KeysOfArray(row.Text(7));
  }
  return records;
}

void RecordSendOutcomes(db::TenantTransaction& tx, const core::ServerId& server,
                        const std::vector<SendOutcome>& outcomes) {
  if (outcomes.empty()) return;
  // By build id: the rows are found through the primary key whatever the planner knows of the
  // table (a join with a record set is planned as a scan of the whole table while its statistics
  // still say it is empty, as they do in the middle of a first sync).
  std::string by_id = "{";
  std::vector<std::int64_t> ids;
  ids.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    if (by_id.size() > 1) by_id += ',';
    // The detail is the sender's own JSON; anything else is stored as {} rather than failing the
    // statement, which would leave every record of the answer waiting to be sent again.
    const std::string_view detail = json::accept(o.detail_json) ? std::string_view(o.detail_json) : "{}";
    by_id += json(o.build.str()).dump() + R"(:{"usn":)" + std::to_string(o.usn) + R"(,"outcome":)" +
             json(o.outcome).dump() + R"(,"detail":)" + std::string(detail) + "}";
    ids.push_back(o.build.value());
  }
  by_id += '}';
  tx.Exec(
      "UPDATE builds b SET jira_outcome = $4::jsonb -> b.build_id::text ->> 'outcome', "
      "jira_detail = $4::jsonb -> b.build_id::text -> 'detail', send_attempts = b.send_attempts + 1, "
      "last_sent_at = now(), sent_usn = CASE WHEN $4::jsonb -> b.build_id::text ->> 'outcome' = 'error' "
      "THEN b.sent_usn ELSE greatest(coalesce(b.sent_usn, 0), ($4::jsonb -> b.build_id::text ->> 'usn')::bigint) END "
      "WHERE b.tenant_id = $1 AND b.server_id = $2 AND b.build_id = ANY($3::bigint[])",
      tx.tenant(), server, ids, by_id);
}

BuildCounts CountBuilds(db::TenantTransaction& tx, const core::ServerId& server) {
  const db::Rows rows = tx.Exec(
      "SELECT count(*), count(*) FILTER (WHERE record IS NOT NULL AND sent_usn IS DISTINCT FROM usn), "
      "count(*) FILTER (WHERE jira_outcome = 'accepted' AND sent_usn = usn), "
      "count(*) FILTER (WHERE jira_outcome = 'rejected' AND sent_usn = usn), "
      "count(*) FILTER (WHERE record IS NULL), count(*) FILTER (WHERE is_deployment), "
      "count(*) FILTER (WHERE teamcity_state IN ('queued', 'running')) "
      "FROM builds WHERE tenant_id = $1 AND server_id = $2",
      tx.tenant(), server);
  const db::Row c = rows[0];
  return {c.Int(0), c.Int(1), c.Int(2), c.Int(3), c.Int(4), c.Int(5), c.Int(6)};
}

BuildCounts CountWaitingAndOpen(db::TenantTransaction& tx, const core::ServerId& server) {
  const db::Rows rows = tx.Exec(
      "SELECT (SELECT count(*) FROM builds WHERE tenant_id = $1 AND server_id = $2 AND record IS NOT NULL "
      "        AND sent_usn IS DISTINCT FROM usn), "
      "(SELECT count(*) FROM builds WHERE tenant_id = $1 AND server_id = $2 AND teamcity_state IN ('queued', "
      "'running'))",
      tx.tenant(), server);
  BuildCounts counts;
  counts.pending = rows[0].Int(0);
  counts.open = rows[0].Int(1);
  return counts;
}

bool HasPending(db::TenantTransaction& tx) {
  return tx
      .Exec(
          "SELECT EXISTS (SELECT 1 FROM builds WHERE tenant_id = $1 AND record IS NOT NULL "
          "AND sent_usn IS DISTINCT FROM usn)",
          tx.tenant())[0]
      .Bool(0);
}

std::size_t MarkAllUnsent(db::TenantTransaction& tx) {
  return tx
      .Exec("UPDATE builds SET sent_usn = NULL WHERE tenant_id = $1 AND record IS NOT NULL AND sent_usn IS NOT NULL",
            tx.tenant())
      .affected();
}

}  // namespace tcj::sync
