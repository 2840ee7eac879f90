// web: the caller's Jira site as the admin pages show it: which link it uses and, for Forge,
// whether the service can send right now.
#pragma once

#include "core/clock.hpp"
#include "http/router.hpp"
#include "tenants/forge_registry.hpp"
#include "tenants/tenant_store.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

//   GET /api/v1/site  administrators: 200 {"url", "name", "link": "connect" | "oauth" | "forge",
//                     "forge": null | {"sending": "ready" | "waiting_for_forge",
//                                      "token_expires_at": RFC 3339 | null}}
// "waiting_for_forge": no app token that lasts long enough to send with; builds are kept and go
// out when Forge next calls the service (the hourly trigger, or an admin opening the app).
void AddSiteRoutes(http::Router& router, tenants::TenantStore& tenants, tenants::ForgeRegistry& forge,
                   AdminAccess& access, const core::Clock& clock);

}  // namespace tcj::web
