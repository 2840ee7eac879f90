// web: the admin API of a server's relay (/api/v1/servers/{id}/relay...): its token, created or
// rotated (shown once), revoked, and its state as the process holding it last wrote it.
#pragma once

#include "http/router.hpp"
#include "relay/relay_tokens.hpp"
#include "web/admin_access.hpp"
#include "web/audit_trail.hpp"

namespace tcj::web {

void AddRelayAdminRoutes(http::Router& router, relay::RelayTokens& tokens, AdminAccess& access,
                         const AuditTrail& audit);

}  // namespace tcj::web
