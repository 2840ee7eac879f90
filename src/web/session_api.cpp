#include "web/session_api.hpp"

#include <nlohmann/json.hpp>

#include "http/cookies.hpp"
#include "web/local_admin_auth.hpp"

namespace tcj::web {
namespace {

using http::AuthKind;
using http::Request;
using http::Response;
using nlohmann::json;

json SiteJson(tenants::TenantStore& tenants, const core::TenantId& tenant) {
  const auto record = tenants.Get(tenant);
  if (!record) return nullptr;
  return {{"url", record->site_url}, {"name", record->display_name}};
}

Response SessionResponse(int status, const json& csrf, const json& site) {
  Response r = Response::Json(status, json{{"csrf_token", csrf}, {"site", site}}.dump());
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

}  // namespace

void AddSessionRoutes(http::Router& router, tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions,
                      tenants::TenantStore& tenants, SessionOptions options) {
  router.Add({.method = "POST",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::none},
              .max_body_bytes = 4 * 1024,
              .handler = [&tokens, &sessions, &tenants, options](Request& r) {
                const json doc = json::parse(r.body, nullptr, false);
                if (!doc.is_object() || !doc.contains("token") || !doc["token"].is_string()) {
                  return Response::Error(400, "invalid_input", "Send {\"token\": \"tcj_...\"}.");
                }
                const auto identity = tokens.Authenticate(doc["token"].get_ref<const std::string&>());
                if (!identity) {
                  return Response::Error(401, "unauthenticated",
                                         "That admin token is not valid: check it was copied whole, and that it was "
                                         "not revoked and its site is still installed.");
                }
                const core::Secret session = sessions.Open(*identity);
                Response res =
                    SessionResponse(200, tenants::CsrfTokenFor(session.reveal()), SiteJson(tenants, identity->tenant));
                res.headers.Set("Set-Cookie", http::SessionCookie(kSessionCookie, session.reveal(),
                                                                  {std::chrono::duration_cast<std::chrono::seconds>(
                                                                       tenants::AdminSessionStore::kLifetime),
                                                                   options.secure_cookie}));
                return res;
              }});

  router.Add({.method = "GET",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::local_admin},
              .handler = [&tenants](Request& r) {
                const auto session = http::CookieValue(r, kSessionCookie);
                const bool by_cookie = session && !r.headers.Get("Authorization");
                return SessionResponse(200, by_cookie ? json(tenants::CsrfTokenFor(*session)) : json(nullptr),
                                       SiteJson(tenants, *r.principal.tenant));
              }});

  router.Add({.method = "DELETE",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::local_admin},
              .handler = [&sessions, options](Request& r) {
                if (const auto session = http::CookieValue(r, kSessionCookie)) {
                  sessions.Close(*r.principal.tenant, *session);
                }
                Response res;
                res.status = 204;
                res.headers.Set("Set-Cookie", http::SessionCookie(kSessionCookie, "",
                                                                  {std::chrono::seconds(0), options.secure_cookie}));
                return res;
              }});
}

}  // namespace tcj::web
