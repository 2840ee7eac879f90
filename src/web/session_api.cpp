#include "web/session_api.hpp"

#include <strings.h>

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

bool IsJson(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  const std::string_view type = content_type->substr(0, content_type->find(';'));
  constexpr std::string_view kJson = "application/json";
  return type.size() >= kJson.size() && strncasecmp(type.data(), kJson.data(), kJson.size()) == 0 &&
         type.find_first_not_of(' ', kJson.size()) == std::string_view::npos;
}

}  // namespace

void AddSessionRoutes(http::Router& router, tenants::AdminTokenStore& tokens, tenants::AdminSessionStore& sessions,
                      tenants::TenantStore& tenants, const AuditTrail& audit, const SessionCookieSpec& cookie) {
  router.Add({.method = "POST",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::none},
              .max_body_bytes = 4 * 1024,
              .handler = [&tokens, &sessions, &tenants, &audit, cookie](Request& r) {
                // A cross-site form can post text/plain or a form without asking first; only a
                // page of ours can send JSON. (Browsers' cross-site posts are refused before.)
                if (!IsJson(r.headers.Get("Content-Type"))) {
                  return Response::Error(415, "unsupported_media_type",
                                         "Send the token as JSON with Content-Type: application/json.");
                }
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
                audit.Record(identity->tenant,
                             {tenants::ActorKind::admin_token, identity->token_id, r.client_address},
                             "session.signed_in", identity->token_id, nlohmann::json::object());
                Response res =
                    SessionResponse(200, tenants::CsrfTokenFor(session.reveal()), SiteJson(tenants, identity->tenant));
                res.headers.Set("Set-Cookie", http::SessionCookie(cookie.name, session.reveal(),
                                                                  {std::chrono::duration_cast<std::chrono::seconds>(
                                                                       tenants::AdminSessionStore::kLifetime),
                                                                   cookie.secure}));
                return res;
              }});

  router.Add({.method = "GET",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::local_admin},
              .handler = [&tenants, cookie](Request& r) {
                const auto session = http::CookieValue(r, cookie.name);
                const bool by_cookie = session && !r.headers.Get("Authorization");
                return SessionResponse(200, by_cookie ? json(tenants::CsrfTokenFor(*session)) : json(nullptr),
                                       SiteJson(tenants, *r.principal.tenant));
              }});

  router.Add({.method = "DELETE",
              .pattern = "/api/v1/session",
              .auth = {AuthKind::local_admin},
              .handler = [&sessions, &audit, cookie](Request& r) {
                if (const auto session = http::CookieValue(r, cookie.name)) {
                  sessions.Close(*r.principal.tenant, *session);
                  audit.Record(r, "session.signed_out", r.principal.subject, nlohmann::json::object());
                }
                Response res;
                res.status = 204;
                res.headers.Set("Set-Cookie",
                                http::SessionCookie(cookie.name, "", {std::chrono::seconds(0), cookie.secure}));
                return res;
              }});
}

}  // namespace tcj::web
