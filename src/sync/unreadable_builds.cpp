#include "sync/unreadable_builds.hpp"

#include <set>
#include <string>
#include <tuple>

#include "sync/events.hpp"

namespace tcj::sync {
namespace {

constexpr const char* kEventKind = "build_unreadable";

}  // namespace

void SettleUnreadable(UnreadableBuilds& unreadable, const BuildsById& read) {
  std::set<std::tuple<std::optional<std::int64_t>, std::string, std::string>> seen;
  std::erase_if(unreadable, [&](const teamcity::UnreadableBuild& u) {
    if (u.id && read.contains(*u.id)) return true;
    return !seen.emplace(u.id, u.field, u.reason).second;
  });
}

std::string UnreadableBuildMessage(const teamcity::UnreadableBuild& build) {
  std::string message =
      build.id ? "Build " + std::to_string(*build.id) + " was left out: TeamCity's data for it cannot be read ("
               : "A build was left out: TeamCity's data for it cannot be read, not even which build it is (";
  message += build.reason;
  message +=
      "). The server's other builds sync; this one is read again at the next re-read of recent builds and syncs "
      "once TeamCity sends it readably.";
  return message;
}

UnreadableBuilds TellUnreadable(db::TenantTransaction& tx, const core::ServerId& server,
                                const UnreadableBuilds& unreadable) {
  UnreadableBuilds told;
  if (unreadable.empty()) return told;
  // A poll and a backfill page of the same server can tell at the same time: the server's sync row,
  // which both have just written (and so locked) in this transaction, lines them up, so the second
  // sees what the first told.
  tx.Exec("SELECT 1 FROM server_sync WHERE tenant_id = $1 AND server_id = $2 FOR UPDATE", tx.tenant(), server);
  // What the server's kept events already tell (at most kKeptEvents rows).
  std::set<std::string> known;
  for (db::Row row : tx.Exec("SELECT message FROM server_events WHERE tenant_id = $1 AND server_id = $2 AND kind = $3",
                             tx.tenant(), server, std::string(kEventKind))) {
    known.insert(row.String(0));
  }
  std::size_t more = 0;
  for (const teamcity::UnreadableBuild& build : unreadable) {
    std::string message = UnreadableBuildMessage(build);
    if (known.contains(message)) continue;
    if (told.size() == kMaxToldPerRead) {
      ++more;
      continue;
    }
    RecordEvent(tx, server, EventLevel::warning, kEventKind, message);
    known.insert(std::move(message));
    told.push_back(build);
  }
  if (more > 0) {
    // Dozens of unreadable builds at once say the same thing; the kept events stay for other news.
    const std::string message = std::to_string(more) +
                                " more builds were left out because TeamCity's data for them cannot be read; the "
                                "first " +
                                std::to_string(kMaxToldPerRead) + " are told above.";
    if (!known.contains(message)) RecordEvent(tx, server, EventLevel::warning, kEventKind, message);
  }
  return told;
}

void CountUnreadable(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                     const UnreadableBuilds& unreadable, const UnreadableBuilds& told) {
  if (unreadable.empty()) return;
  context.metrics.builds_unreadable.Labels({server.str()}).Inc(unreadable.size());
  for (const teamcity::UnreadableBuild& build : told) {
    if (build.id) {
      context.log.Warn("sync.build_unreadable", {{"tenant", tenant.str()},
                                                 {"server", server.str()},
                                                 {"build", *build.id},
                                                 {"field", build.field},
                                                 {"reason", build.reason}});
    } else {
      context.log.Warn(
          "sync.build_unreadable",
          {{"tenant", tenant.str()}, {"server", server.str()}, {"field", build.field}, {"reason", build.reason}});
    }
  }
}

}  // namespace tcj::sync
