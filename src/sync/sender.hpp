// sync: the send job: a tenant's outbox to Jira, and what Jira answered, per build.
#pragma once

#include "jira/delivery.hpp"
#include "jira/site_access.hpp"
#include "sync/context.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

struct Delivery {
  jira::SiteAccess& sites;
  jira::DevInfoClient& client;
  jira::RetryOptions retry;
};

// One send job per tenant (so one slow or rate-limited site holds at most its own job, never the
// others'). It sends the records waiting in update sequence order, at most 100 per request, each
// request holding one server's builds or deployments with that server's id as a property; records
// Jira answered (accepted, or rejected with its reasons and unknown keys) are marked with the
// update sequence number sent, so a newer state stays waiting and a replay changes nothing.
// Network failures, 5xx and 429 keep the records waiting and retry the job after the delay Jira
// asked for; an uninstalled site ends the job.
JobOutcome RunSend(SyncContext& context, Delivery& delivery, const Job& job, JobContext& job_context);

}  // namespace tcj::sync
