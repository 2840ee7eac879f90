// tenants: deleting the data of sites uninstalled longer than retention.uninstalled_days ago (and of
// one site at once, on request), leaving only a tombstone; exporting a site's data.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "db/pool.hpp"

namespace tcj::tenants {

struct PurgedTenant {
  core::TenantId tenant;
  std::int64_t rows = 0;  // rows deleted, over every table
};

// Every tenant uninstalled before now - uninstalled_days, each in its own transaction, verified by
// the database to leave zero rows in every table with a tenant_id. Safe to run on many processes at
// once: a tenant another process is purging is skipped. dry_run: lists, deletes nothing.
std::vector<PurgedTenant> PurgeUninstalled(db::Pool& pool, std::chrono::system_clock::time_point now,
                                           int uninstalled_days, const core::Logger& log, bool dry_run = false);

// Deletes one tenant now, whatever its state (a data-subject or offboarding request). The rows
// deleted, or -1 when there is no such tenant. owner_pool must log in as the owner or one of its
// members (database.migrate_url): the runtime role may only purge uninstalled sites, so a
// compromised web process cannot delete an active one. Throws DbError(permission_denied) otherwise.
std::int64_t DeleteTenantNow(db::Pool& owner_pool, const core::TenantId& tenant, const core::Logger& log);

// Everything stored for the tenant, as one JSON document: the site, its TeamCity servers with their
// settings, builds, events, admin tokens and sessions (metadata) and the audit log. Secrets never:
// encrypted columns and hashes are left out.
std::string ExportTenantJson(db::Pool& pool, const core::TenantId& tenant);

}  // namespace tcj::tenants
