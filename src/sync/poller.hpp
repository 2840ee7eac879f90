// sync: the poll job: what changed on one TeamCity server since the last poll, into the outbox.
#pragma once

#include "sync/context.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

// Each poll reads, with defaultFilter:false (all branches, personal, canceled, failed to start):
//  - builds finished since the cursor minus the overlap (every reread_every: over the whole
//    reread_window instead, for statuses changed by hand);
//  - running and queued builds (ids are given at queue time, so a build queued long ago can finish
//    after newer ones: it is tracked from the moment it is seen until it finishes);
//  - builds the table still has as queued or running that none of these returned, by id (they
//    finished before the window, or were removed: TeamCity answers 404 and we stop tracking them).
// A build that cannot be read is left out and told (unreadable_builds.hpp): the others are saved,
// and it is read again at the next re-read (or poll, while it runs or is tracked as open). The
// builds, the cursor (the latest finish date seen, in TeamCity's clock) and the outcome are
// committed together. A poll never dies: failures are recorded for the admin and retried with
// growing delays up to 10 minutes; only a removed server ends its poll job.
JobOutcome RunPoll(SyncContext& context, const Job& job, JobContext& job_context);

// The delays between polls: the interval with ±10 % jitter (so servers added together do not stay
// in step), growing after failures (doubling, at most 10 minutes or the interval if longer).
core::Backoff PollBackoff(std::chrono::seconds interval, core::UniformRandom random = {});

}  // namespace tcj::sync
