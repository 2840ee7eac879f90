#include "sync/status.hpp"

#include <nlohmann/json.hpp>

#include "db/transaction.hpp"
#include "sync/context.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

// The column as RFC 3339 text in UTC.
std::string Time(const char* column) {
  return std::string("to_char(") + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

json TextOrNull(const db::Row& row, int column) {
  return row.IsNull(column) ? json(nullptr) : json(row.String(column));
}

json JobJson(db::TenantTransaction& tx, const std::string& dedup_key) {
  const db::Rows rows = tx.Exec("SELECT state, " + Time("next_run_at") +
                                    ", last_error, dead_reason, attempts FROM jobs WHERE tenant_id = $1 AND dedup_key = $2 "
                                    "ORDER BY (state IN ('queued', 'running')) DESC, updated_at DESC LIMIT 1",
                                tx.tenant(), dedup_key);
  if (rows.empty()) return nullptr;
  const db::Row row = rows[0];
  return {{"state", row.String(0)},
          {"next_run_at", TextOrNull(row, 1)},
          {"last_error", TextOrNull(row, 2)},
          {"dead_reason", TextOrNull(row, 3)},
          {"attempts", row.Int(4)}};
}

}  // namespace

BuildCounts BuildCountsCache::Get(db::TenantTransaction& tx, const core::ServerId& server, core::Clock::TimePoint now) {
  std::optional<BuildCounts> cached;
  {
    const std::lock_guard lock(mutex_);
    const auto it = by_server_.find(tx.tenant().str() + "/" + server.str());
    // A clock set back counts as expired, not as fresh.
    if (it != by_server_.end() && it->second.counts.total >= options_.exact_below && now >= it->second.counted_at &&
        now - it->second.counted_at < options_.recount_every) {
      cached = it->second.counts;
    }
  }
  if (!cached) {
    const BuildCounts counts = CountBuilds(tx, server);
    const std::lock_guard lock(mutex_);
    if (by_server_.size() >= options_.max_servers) by_server_.clear();
    by_server_.insert_or_assign(tx.tenant().str() + "/" + server.str(), Entry{counts, now});
    return counts;
  }
  const BuildCounts moving = CountWaitingAndOpen(tx, server);
  cached->pending = moving.pending;
  cached->open = moving.open;
  return *cached;
}

std::optional<std::string> ServerStatusJson(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                                            BuildCountsCache& counts, core::Clock::TimePoint now) {
  db::TenantTransaction tx(pool, tenant);
  const db::Rows servers = tx.Exec("SELECT name, url, deleting FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2",
                                   tenant, server);
  if (servers.empty()) return std::nullopt;
  const bool removing = servers[0].Bool(2);

  json doc = {{"id", server.str()}, {"name", servers[0].String(0)}, {"url", servers[0].String(1)}};
  const db::Rows sync = tx.Exec("SELECT " + Time("last_poll_at") + ", " + Time("last_success_at") +
                                    ", consecutive_failures, last_error_code, last_error, server_version, cursor_time, "
                                    "builds_seen, backfill::text FROM server_sync WHERE tenant_id = $1 AND server_id = $2",
                                tenant, server);
  int failures = 0;
  bool polled = false;
  if (!sync.empty()) {
    const db::Row row = sync[0];
    polled = !row.IsNull(0);
    failures = static_cast<int>(row.Int(2));
    doc["last_poll_at"] = TextOrNull(row, 0);
    doc["last_success_at"] = TextOrNull(row, 1);
    doc["consecutive_failures"] = failures;
    doc["last_error"] = row.IsNull(3) ? json(nullptr) : json{{"code", row.String(3)}, {"message", row.String(4)}};
    doc["teamcity_version"] = TextOrNull(row, 5);
    doc["cursor"] = TextOrNull(row, 6);
    doc["builds_read"] = row.Int(7);
    json backfill = row.IsNull(8) ? json(nullptr) : json::parse(row.Text(8), nullptr, false);
    if (backfill.is_object()) {
      for (const char* internal : {"next_href", "scope", "pages", "lowest_build_id", "since"}) backfill.erase(internal);
    }
    doc["backfill"] = backfill.is_discarded() ? json(nullptr) : backfill;
  } else {
    doc["last_poll_at"] = nullptr;
    doc["last_error"] = nullptr;
    doc["backfill"] = nullptr;
  }
  doc["state"] = removing ? "removing" : failures > 0 ? "failing" : polled ? "syncing" : "waiting";

  const BuildCounts c = counts.Get(tx, server, now);
  doc["builds"] = {{"total", c.total},       {"pending", c.pending},   {"accepted", c.accepted},
                   {"rejected", c.rejected}, {"not_sent", c.not_sent}, {"deployments", c.deployments},
                   {"open", c.open}};
  doc["jobs"] = {{"poll", JobJson(tx, PollKey(server))},
                 {"backfill", JobJson(tx, BackfillKey(server))},
                 {"send", JobJson(tx, kSendKey)},
                 {"removal", JobJson(tx, RemovalKey(server))}};
  tx.Commit();
  return doc.dump();
}

}  // namespace tcj::sync
