// web: signing in to the standalone admin pages with a local admin token.
#pragma once

#include "http/router.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/admin_tokens.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::web {

struct SessionOptions {
  bool secure_cookie = false;  // TLS is on: the cookie is sent over HTTPS only
};

//   POST   /api/v1/session {"token"}  anonymous; 200 {"csrf_token", "site"} and the HttpOnly
//                                     session cookie, or 401 in words
//   GET    /api/v1/session            200 {"csrf_token" (null for a bearer token), "site": {url, name}}
//   DELETE /api/v1/session            204; the session ends and the cookie is cleared
void AddSessionRoutes(http::Router& router, tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions,
                      tenants::TenantStore& tenants, SessionOptions options);

}  // namespace tcj::web
