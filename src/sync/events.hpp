// sync: a server's recent events in words, for the admin page (polls failing and recovering,
// backfills, Jira refusing records, settings changed). The newest kKeptEvents per server are kept.
#pragma once

#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace tcj::sync {

enum class EventLevel { info, warning, error };

inline constexpr int kKeptEvents = 200;

// In the caller's transaction, so an event exists exactly when what it tells happened.
void RecordEvent(db::TenantTransaction& tx, const core::ServerId& server, EventLevel level, std::string_view kind,
                 std::string_view message);

// In a transaction of its own.
void RecordEvent(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server, EventLevel level,
                 std::string_view kind, std::string_view message);

// {"events": [{"at", "level", "kind", "message"}]}, newest first; nullopt for an unknown server.
std::optional<std::string> RecentEventsJson(db::Pool& pool, const core::TenantId& tenant, const core::ServerId& server,
                                            int limit);

}  // namespace tcj::sync
