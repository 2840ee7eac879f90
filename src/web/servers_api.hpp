// web: the admin API for TeamCity servers (/api/v1/servers), tenant-scoped, administrators only.
#pragma once

#include <functional>
#include <memory>

#include "http/address_policy.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "teamcity/transport.hpp"
#include "tenants/server_store.hpp"
#include "web/admin_access.hpp"
#include "web/audit_trail.hpp"

namespace tcj::web {

// Every route accepts a Connect context token of a Jira administrator or a local admin token,
// runs in the caller's tenant (another tenant's id is a 404), and answers JSON errors
// {"error": {"code", "message", "field"?}}. Secrets are write-only: responses say "set".
struct ServerHooks {
  // A server was created: start syncing it.
  std::function<void(const core::TenantId&, const core::ServerId&)> added{};
  // Starts removing a server (its records in Jira first); false when the tenant has no such server.
  // Unset: the server's row is deleted at once.
  std::function<bool(const core::TenantId&, const core::ServerId&)> remove{};
  // The transport of a server reached through a relay (auth type relay). Unset: such servers
  // cannot be tested.
  std::function<std::unique_ptr<teamcity::Transport>(const core::TenantId&, const core::ServerId&)> relay_transport{};
};

// DELETE answers 202 {"status": "removing"} when the removal runs in the background (hooks.remove),
// 204 otherwise. Server URLs are saved and tested only when url_policy allows them (the SSRF guard:
// http::CheckTeamCityUrl, and every test connection through http::WithUrlPolicy).
void AddServerRoutes(http::Router& router, tenants::ServerStore& servers, AdminAccess& access, const AuditTrail& audit,
                     std::shared_ptr<http::HttpClient> http_client, ServerHooks hooks = {},
                     http::UrlPolicy url_policy = {});

}  // namespace tcj::web
