// sync: a server's sync status as the admin sees it (GET /api/v1/servers/{id}/status).
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::sync {

// The status document (JSON): the state in one word (syncing, failing, waiting, removing), the
// last poll and its error in words an admin can act on, build counts by what Jira answered, the
// backlog, the backfill's progress and the jobs' next runs. nullopt for an unknown server.
std::optional<std::string> ServerStatusJson(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server);

}  // namespace tcj::sync
