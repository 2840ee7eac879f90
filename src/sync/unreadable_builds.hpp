// sync: builds TeamCity sent that could not be read (a field of the wrong type, say). A poll or a
// backfill page leaves them out and syncs the rest; the admin is told which and why.
#pragma once

// Where they show: each is counted in sync_builds_unreadable_total{server} at every read that
// skipped it (so the figure keeps rising while TeamCity keeps sending it), and told once, while the
// telling is among the server's kept events: a warning event of the server (kind
// "build_unreadable", GET /api/v1/servers/{id}/events and the admin page) and a log line
// (sync.build_unreadable). Nothing is stored about them otherwise: a poll reads them again at each
// re-read of recent history (and every poll while they are running or queued), so once TeamCity
// sends them readably they sync like any other build.

#include <vector>

#include "core/ids.hpp"
#include "db/transaction.hpp"
#include "sync/context.hpp"
#include "sync/teamcity_reader.hpp"
#include "teamcity/model.hpp"

namespace tcj::sync {

// Drops those a read got readably after all (pages shift while TeamCity adds builds: the same build
// can come twice) and repeats of the same build and reason; keeps the order otherwise.
void SettleUnreadable(UnreadableBuilds& unreadable, const BuildsById& read);

// The event's words: "Build 4567 was left out: TeamCity's data for it cannot be read (number is not
// a string). ..." Names the field and what is wrong with it, never a value.
std::string UnreadableBuildMessage(const teamcity::UnreadableBuild& build);

// In the caller's transaction (the one that saves the read's builds and writes the server's sync
// row, so the telling exists exactly when the read counted): an event for each build not told
// already, at most kMaxToldPerRead of them (one more event says how many more there were). Returns
// the builds it told, for CountUnreadable.
inline constexpr std::size_t kMaxToldPerRead = 20;
UnreadableBuilds TellUnreadable(db::TenantTransaction& tx, const core::ServerId& server,
                                const UnreadableBuilds& unreadable);

// After the commit: the metric for every build skipped, a log line for each build told.
void CountUnreadable(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                     const UnreadableBuilds& unreadable, const UnreadableBuilds& told);

}  // namespace tcj::sync
