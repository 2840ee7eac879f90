// web: signing in to the standalone admin pages with a local admin token.
#pragma once

#include "http/router.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/admin_tokens.hpp"
#include "tenants/tenant_store.hpp"
#include "web/audit_trail.hpp"
#include "web/local_admin_auth.hpp"

namespace tcj::web {

//   POST   /api/v1/session {"token"}  anonymous, application/json only (a form cannot sign a
//                                     browser in); 200 {"csrf_token", "site"} and the HttpOnly
//                                     session cookie, or 401 in words
//   GET    /api/v1/session            200 {"csrf_token" (null for a bearer token), "site": {url, name}}
//   DELETE /api/v1/session            204; the session ends and the cookie is cleared
void AddSessionRoutes(http::Router& router, tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions,
                      tenants::TenantStore& tenants, const AuditTrail& audit, const SessionCookieSpec& cookie);

}  // namespace tcj::web
