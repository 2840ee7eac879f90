// sync: the backfill job: a server's history over a window of days, newest first, resumable.
#pragma once

#include <string>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "sync/context.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

inline constexpr int kMaxBackfillDays = 365;

// Asks for a backfill of the last `days` days (1..365): a running one starts over with the new window.
core::Status RequestBackfill(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server, int days);

// Each run reads up to backfill_pages_per_run pages (1 000 builds each, the next one fetched while
// the current one is stored) of builds that started in the window (newest
// first) and commits each page together with the position reached, so a worker killed at any
// point resumes after the last committed page, and a page read twice changes nothing. The progress
// (builds in the window, read, remaining) is in the server's status and in a metric. When the walk
// ends, deployments in the window get the keys of builds they deploy that arrived after them.
JobOutcome RunBackfill(SyncContext& context, const Job& job, JobContext& job_context);

}  // namespace tcj::sync
