// sync: the diagnostics read model, one report per build, for the diagnostics ("why isn't my build
// in Jira?") and the issue panel: where its keys came from, which were dropped and why, what was
// sent, what Jira answered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::sync {

// Each report is a JSON object:
//   server_id, server_name, build_id, build_type_id, build_type_name, project_name, number, branch,
//   web_url, teamcity_state, status, jira_state, is_deployment, environment {name, type} | null,
//   issue_keys, keys_found [{key, source, where}], keys_dropped [{key, source, where, reason}],
//   notes [{field, message, dropped}], skip_reason, personal, tests | null,
//   jira {outcome | null, detail | null, last_sent_at | null, attempts, pending},
//   first_seen_at, updated_at, started_at, finished_at, duration_seconds | null
// Lists are {"builds": [...]}, newest build first.

// The newest `limit` builds that link the key or where it was found but dropped (diagnostics: that
// is the question), looked up in build_keys (migration 0015): the cost grows with the key's builds
// shown, not with the site's history. The issue panel reads sync::IssueBuilds instead.
std::string BuildReportsByIssueKeyJson(db::Pool& pool, const core::TenantId& tenant, const core::IssueKey& key,
                                       int limit);
// Its statement ($1 tenant, $2 key, $3 limit), for the test that EXPLAINs it.
const std::string& ReportsByKeySql();
// The build with this TeamCity id on any of the tenant's servers.
std::string BuildReportsByBuildIdJson(db::Pool& pool, const core::TenantId& tenant, core::BuildId build_id);
// A server's most recent builds; nullopt for an unknown server.
std::optional<std::string> RecentBuildReportsJson(db::Pool& pool, const core::TenantId& tenant,
                                                  const core::ServerId& server, int limit);

}  // namespace tcj::sync
