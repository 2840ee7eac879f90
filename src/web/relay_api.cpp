#include "web/relay_api.hpp"

#include <nlohmann/json.hpp>

#include "web/api_support.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json StatusJson(const relay::RelayStatus& s) {
  auto or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  return {{"token", s.token ? json{{"created_at", s.token_created_at}} : json(nullptr)},
          {"connected", s.connected},
          {"connected_since", s.connected ? or_null(s.connected_since) : json(nullptr)},
          {"disconnected_at", or_null(s.disconnected_at)},
          {"version", or_null(s.version)},
          {"last_request_at", or_null(s.last_request_at)},
          {"requests", s.requests},
          {"refusals", s.refusals},
          {"last_refusal", or_null(s.last_refusal)}};
}

}  // namespace

void AddRelayAdminRoutes(http::Router& router, relay::RelayTokens& tokens, AdminAccess& access,
                         const AuditTrail& audit) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/relay",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&tokens](Request& r, const core::ServerId& id) {
                return Response::Json(200, StatusJson(tokens.Status(*r.principal.tenant, id)).dump());
              })});

  // Creates the relay's token, or a new one in place of the old (which stops working at once).
  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/relay/token",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&tokens, &audit](Request& r, const core::ServerId& id) {
                auto token = tokens.Issue(*r.principal.tenant, id);
                if (!token) {
                  return token.error().kind == core::ErrorKind::not_found ? ServerNotFound()
                                                                          : ErrorResponse(token.error());
                }
                audit.Record(r, "relay.token_issued", id.str(), json::object());
                Response res = Response::Json(201, json{{"token", std::string(token->reveal())}}.dump());
                res.headers.Set("Cache-Control", "no-store");
                return res;
              })});

  router.Add({.method = "DELETE",
              .pattern = "/api/v1/servers/{id}/relay/token",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&tokens, &audit](Request& r, const core::ServerId& id) {
                if (!tokens.Revoke(*r.principal.tenant, id)) {
                  return Response::Error(404, "not_found", "This server has no relay token to revoke.");
                }
                audit.Record(r, "relay.token_revoked", id.str(), json::object());
                Response res;
                res.status = 204;
                return res;
              })});
}

}  // namespace tcj::web
