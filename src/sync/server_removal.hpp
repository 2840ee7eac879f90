// sync: removing a TeamCity server: its records in Jira, then its rows here.
#pragma once

#include "core/ids.hpp"
#include "sync/context.hpp"
#include "sync/sender.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

// Marks the server as being removed (no more polls, webhooks refused) and queues its removal.
// False when the tenant has no such server.
bool RequestServerRemoval(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server);

// Deletes every build and deployment sent for the server from Jira (one call each: all its records
// carry its id as a property), then the server's row, which takes its builds, sync state and
// settings with it. A site that is gone (uninstalled) has nothing left to delete in Jira. Jira's
// failures are retried; the server stays "being removed" until Jira confirmed.
JobOutcome RunServerRemoval(SyncContext& context, Delivery& delivery, const Job& job, JobContext& job_context);

}  // namespace tcj::sync
