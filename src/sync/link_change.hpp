// sync: a site that moved to Forge from another link (Connect, OAuth). What the old link sent is
// in Jira under that app; resending it through Forge alone would show every build twice.
#pragma once

#include "core/ids.hpp"
#include "sync/context.hpp"
#include "sync/sender.hpp"
#include "sync/workers.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::sync {

// Queues the forget_link job (idempotent: one per site at a time). old_link: "connect", "oauth",
// or "none" when there is nothing to delete first (a reinstall: Jira dropped the old data).
void RequestForgetLink(SyncContext& context, const core::TenantId& tenant, const std::string& old_link);

// Deletes every record the old link sent (per server, by property, as a server removal does;
// nothing for "none"), then marks the site's records unsent so that the send job writes them through Forge. When the
// old link no longer works (its app uninstalled: Jira dropped its data; no secret kept) there is
// nothing to delete. Jira's passing failures are retried, and nothing is resent before the
// deletion is done.
JobOutcome RunForgetLink(SyncContext& context, Delivery& delivery, const Job& job, JobContext& job_context);

}  // namespace tcj::sync
