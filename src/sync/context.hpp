// sync: what every sync job needs (database, stores, the TeamCity client factory, site facts, options).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "db/pool.hpp"
#include "sync/queue.hpp"
#include "teamcity/client.hpp"
#include "tenants/server_store.hpp"

namespace tcj::sync {

struct SyncOptions {
  std::chrono::seconds poll_interval{30};
  // Finished builds are read again from this long before the cursor: TeamCity does not write
  // finish dates in finish order to the second, and a short overlap costs a few re-reads.
  std::chrono::minutes overlap{5};
  // Recently finished builds are read again this often, over this window, for statuses changed by
  // hand, which move no date.
  std::chrono::seconds reread_every{900};
  std::chrono::hours reread_window{6};
  std::size_t max_changes_per_build = 10'000;
  int max_pages_per_query = 1'000;
  int backfill_days = 30;
  int backfill_pages_per_run = 20;       // of 1 000 builds: a few seconds of a worker, then other tenants get a turn
  std::chrono::seconds send_budget{20};  // one send job's share of a worker before it yields
};

// What the Jira site tells about keys: its project keys when they can be listed, and its host
// (links to it still count as mentions).
struct SiteFacts {
  std::optional<std::set<std::string>> project_keys;
  std::string host;
  bool forge = false;  // the site's link is Forge (see SyncContext::forge_can_send)
};

using SiteFactsSource = std::function<SiteFacts(const core::TenantId&)>;

struct SyncMetrics {
  explicit SyncMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& polls;           // {outcome}: ok, failed
  core::Counter& builds_read;                   // builds read from TeamCity
  core::Counter& builds_changed;                // of those, new or changed (a new record for Jira)
  core::Family<core::Counter>& builds_unreadable;  // {server}: left out, TeamCity's data for them unreadable
  core::Family<core::Counter>& records_sent;    // {kind, outcome}: accepted, rejected, failed
  core::Family<core::Gauge>& backfill_remaining;  // {server}
};

struct SyncContext {
  db::Pool& pool;
  tenants::ServerStore& servers;
  JobQueue& queue;
  teamcity::TransportFactory transports;
  SiteFactsSource site_facts;
  std::function<void()> wake_workers;  // work was enqueued
  // Whether a Forge site holds an app token it may send with. One whose tokens expired without a
  // trigger, or whose fresh token Jira refused, is not polled until Forge calls again.
  std::function<bool(const core::TenantId&)> forge_can_send;
  SyncOptions options;
  core::Logger log;
  const core::Clock& clock;
  SyncMetrics& metrics;
  core::Backoff poll_backoff;  // between polls, and before a backfill retries TeamCity
};

// Job payloads and dedup keys: one poll, one backfill and one removal per server; one send per tenant.
std::string ServerPayload(const core::ServerId& server);
std::optional<core::ServerId> ServerOfPayload(const std::string& payload);
std::string PollKey(const core::ServerId& server);
std::string BackfillKey(const core::ServerId& server);
std::string RemovalKey(const core::ServerId& server);
inline constexpr const char* kSendKey = "send";

}  // namespace tcj::sync
