// tenants: a site's audit log: who changed which server, rule, token or sign-in, when, and from
// which address. Append-only for the service (the runtime role cannot change or delete an entry).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::tenants {

// NOLINTNEXTLINE(readability-identifier-naming): operator_, because "operator" is a keyword
enum class ActorKind { jira_user, admin_token, atlassian, operator_ };

std::string_view ToString(ActorKind kind);

// Who did it: a Jira account id, an admin token id, the site's Atlassian lifecycle, or an operator
// at the service's machine; and the client address the request came from (empty for commands).
struct Actor {
  ActorKind kind = ActorKind::operator_;
  std::string id;
  std::string client_address;
};

struct AuditEntry {
  std::string action;              // e.g. server.created, server.settings_changed, admin_token.revoked
  std::string target;              // what it was done to: a server id, a token id, or empty for the site
  std::string detail_json = "{}";  // a JSON object of what changed; never a secret
};

// In a transaction of its own. Throws DbError.
void RecordAudit(db::Pool& pool, const core::TenantId& tenant, const Actor& actor, const AuditEntry& entry);

// {"events": [{"id", "at", "actor": {"kind", "id"}, "client_address", "action", "target",
// "detail"}], "next_before": id or null}: the newest `limit` entries older than `before` (all when
// unset), newest first; next_before pages on.
std::string AuditEventsJson(db::Pool& pool, const core::TenantId& tenant, int limit,
                            std::optional<std::int64_t> before);

}  // namespace tcj::tenants
