#include "sync/events.hpp"

#include <nlohmann/json.hpp>

namespace tcj::sync {
namespace {

std::string_view ToString(EventLevel level) {
  switch (level) {
    case EventLevel::info:
      return "info";
    case EventLevel::warning:
      return "warning";
    case EventLevel::error:
      return "error";
  }
  return "info";
}

}  // namespace

void RecordEvent(db::TenantTransaction& tx, const core::ServerId& server, EventLevel level, std::string_view kind,
                 std::string_view message) {
  tx.Exec("INSERT INTO server_events (tenant_id, server_id, level, kind, message) VALUES ($1, $2, $3, $4, $5)",
          tx.tenant(), server, std::string(ToString(level)), std::string(kind), std::string(message));
  tx.Exec(
      "DELETE FROM server_events WHERE tenant_id = $1 AND server_id = $2 AND event_id < "
      "(SELECT event_id FROM server_events WHERE tenant_id = $1 AND server_id = $2 "
      "ORDER BY event_id DESC OFFSET $3 LIMIT 1)",
      tx.tenant(), server, kKeptEvents - 1);
}

void RecordEvent(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server, EventLevel level,
                 std::string_view kind, std::string_view message) {
  db::TenantTransaction tx(pool, tenant);
  RecordEvent(tx, server, level, kind, message);
  tx.Commit();
}

std::optional<std::string> RecentEventsJson(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                                            int limit) {
  db::TenantTransaction tx(pool, tenant);
  if (tx.Exec("SELECT 1 FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2", tenant, server).empty()) {
    return std::nullopt;
  }
  nlohmann::json events = nlohmann::json::array();
  for (db::Row row : tx.Exec("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), level, kind, "
                             "message FROM server_events WHERE tenant_id = $1 AND server_id = $2 "
                             "ORDER BY event_id DESC LIMIT $3",
                             tenant, server, limit)) {
    events.push_back(
        {{"at", row.String(0)}, {"level", row.String(1)}, {"kind", row.String(2)}, {"message", row.String(3)}});
  }
  return nlohmann::json{{"events", events}}.dump();
}

}  // namespace tcj::sync
