// sync: a server's sync status as the admin sees it (GET /api/v1/servers/{id}/status).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "sync/build_store.hpp"

namespace tcj::sync {

// A server's build counts for its status, which the admin pages ask for every few seconds. The
// counts that move while a sync runs (waiting to be sent, open) come exactly from their partial
// indexes on every call; the others (read, in Jira, rejected, not sent, deployments) take a pass
// over all of the server's rows, so for a server with at least exact_below builds they are counted
// at most once per recount_every and reused meanwhile: a count of 200 000 builds costs 140 ms of
// the database, and a minute-old "199 543 in Jira" misleads nobody (the numbers of such a server
// may not add up to its total meanwhile). Keyed by site and server. Thread-safe; bounded.
class BuildCountsCache {
 public:
  struct Options {
    std::int64_t exact_below = 20'000;
    std::chrono::seconds recount_every{60};
    std::size_t max_servers = 10'000;
  };
  BuildCountsCache() : BuildCountsCache(Options{}) {}
  explicit BuildCountsCache(Options options) : options_(options) {}

  BuildCounts Get(db::TenantTransaction& tx, const core::ServerId& server, core::Clock::TimePoint now);

 private:
  struct Entry {
    BuildCounts counts;
    core::Clock::TimePoint counted_at;
  };
  Options options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_server_;
};

// The status document (JSON): the state in one word (syncing, failing, waiting, removing), the
// last poll and its error in words an admin can act on, build counts by what Jira answered, the
// backlog, the backfill's progress and the jobs' next runs. nullopt for an unknown server.
std::optional<std::string> ServerStatusJson(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                                            BuildCountsCache& counts, core::Clock::TimePoint now);

}  // namespace tcj::sync
