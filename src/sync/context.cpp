#include "sync/context.hpp"

#include <nlohmann/json.hpp>

#include "core/uuid.hpp"

namespace tcj::sync {

SyncMetrics::SyncMetrics(core::MetricsRegistry& registry)
    : polls(registry.AddCounterFamily("sync_polls_total", "Polls of TeamCity servers, by outcome.", {"outcome"})),
      builds_read(registry.AddCounter("sync_builds_read_total", "Builds read from TeamCity.")),
      builds_changed(registry.AddCounter("sync_builds_changed_total",
                                         "Builds read that were new or changed (each becomes a record for Jira).")),
      builds_unreadable(registry.AddCounterFamily(
          "sync_builds_unreadable_total",
          "Builds TeamCity sent that could not be read and were left out, by server (counted at every read).",
          {"server"})),
      records_sent(registry.AddCounterFamily("sync_records_sent_total",
                                             "Records sent to Jira, by kind (build, deployment) and outcome.",
                                             {"kind", "outcome"})),
      backfill_remaining(registry.AddGaugeFamily(
          "sync_backfill_remaining_builds", "Builds a running backfill has still to read, by server.", {"server"})) {}

std::string ServerPayload(const core::ServerId& server) {
  return nlohmann::json{{"server_id", server.str()}}.dump();
}

std::optional<core::ServerId> ServerOfPayload(const std::string& payload) {
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (!doc.is_object() || !doc.contains("server_id") || !doc["server_id"].is_string()) return std::nullopt;
  std::string id = doc["server_id"].get<std::string>();
  if (!core::IsUuid(id)) return std::nullopt;
  return core::ServerId(std::move(id));
}

std::string PollKey(const core::ServerId& server) { return "poll:" + server.str(); }
std::string BackfillKey(const core::ServerId& server) { return "backfill:" + server.str(); }
std::string RemovalKey(const core::ServerId& server) { return "delete_server:" + server.str(); }

}  // namespace tcj::sync
