#include "web/site_api.hpp"

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "web/api_support.hpp"

namespace tcj::web {

void AddSiteRoutes(http::Router& router, tenants::TenantStore& tenants, tenants::ForgeRegistry& forge,
                   AdminAccess& access, const core::Clock& clock) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/site",
              .auth = kAdminAuth,
              .handler = AdminOnly(access, [&tenants, &forge, &clock](http::Request& r) {
                const auto site = tenants.Get(*r.principal.tenant);
                if (!site) return http::Response::Error(404, "not_found", "The Jira site is not known here.");
                nlohmann::json body = {{"url", site->site_url},
                                       {"name", site->display_name},
                                       {"link", tenants::ToString(site->kind)},
                                       {"forge", nullptr}};
                if (site->kind == tenants::TenantKind::forge) {
                  const auto expires = forge.SystemTokenExpiry(*r.principal.tenant);
                  const bool ready = expires && *expires > clock.Now() + tenants::ForgeRegistry::kTokenMargin;
                  body["forge"] = {{"sending", ready ? "ready" : "waiting_for_forge"},
                                   {"token_expires_at", expires ? nlohmann::json(core::FormatRfc3339(*expires))
                                                                : nlohmann::json(nullptr)}};
                }
                http::Response res = http::Response::Json(200, body.dump());
                res.headers.Set("Cache-Control", "no-store");
                return res;
              })});
}

}  // namespace tcj::web
