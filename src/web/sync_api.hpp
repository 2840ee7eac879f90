// web: the sync side of the admin API (status, backfill, settings, webhook secret) and the TeamCity
// webhook that triggers an early poll.
#pragma once

#include <string>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "sync/context.hpp"
#include "tenants/server_store.hpp"
#include "web/admin_access.hpp"
#include "web/audit_trail.hpp"

namespace tcj::web {

// Administrators only, in the caller's tenant:
//   GET  /api/v1/servers/{id}/status            sync status (see sync/status.hpp)
//   POST /api/v1/servers/{id}/backfill {"days"}  202; a running backfill starts over with the new window
//   GET|PUT /api/v1/servers/{id}/settings        {"projects": [..] | null, "project_keys": [..], "deployment_rules":
//   [..]} POST /api/v1/servers/{id}/webhook            a new webhook secret (shown once) and the URL to give TeamCity
// Anyone who holds the server's webhook secret:
//   POST /webhooks/teamcity/{server}             202, the server is polled now; the body is not read
void AddSyncRoutes(http::Router& router, sync::SyncContext& sync, tenants::ServerStore& servers, AdminAccess& access,
                   const AuditTrail& audit, std::string public_url);

// The webhook_secret authentication kind: the secret of the server named by the path's {server},
// presented as "Authorization: Bearer S", as the password of Basic authentication, or in the
// php-auth-pw header TeamCity's own webhooks send. Every refusal is the same 401, whether the
// server is unknown or the secret wrong.
class WebhookAuthenticator final : public http::Authenticator {
 public:
  WebhookAuthenticator(tenants::ServerStore& servers, core::Logger log, core::Family<core::Counter>& rejections)
      : servers_(servers), log_(std::move(log)), rejections_(rejections) {}

  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;
  bool NeedsBody() const override { return false; }

 private:
  tenants::ServerStore& servers_;
  core::Logger log_;
  core::Family<core::Counter>& rejections_;
};

std::string PresentedWebhookSecret(const http::Request& request);

// TeamCity's webhook payloads describe one build in a few kilobytes.
inline constexpr std::size_t kWebhookBodyLimit = 64 * 1024;

}  // namespace tcj::web
