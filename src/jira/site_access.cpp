#include "jira/site_access.hpp"

namespace tcj::jira {

core::Result<SiteHandle> SiteAccess::For(const core::TenantId& tenant) {
  const auto record = tenants_.Get(tenant);
  if (!record) return core::Error::Make(core::ErrorKind::not_found, "tenants.not_found", "no such Jira site");
  if (record->state == "uninstalled") {
    return core::Error::Make(core::ErrorKind::forbidden, "tenants.uninstalled", "the Jira site uninstalled the app");
  }
  if (record->kind == tenants::TenantKind::forge) {
    // Work for the site waits (retried later) instead of going out through the link it left.
    return core::Error::Retryable(core::ErrorKind::unavailable, "jira.forge_not_yet",
                                  "the site is connected through Forge, which this version cannot send through yet");
  }
  SiteHandle h;
  h.site = Site{tenant,
                record->kind == tenants::TenantKind::oauth ? SiteKind::oauth : SiteKind::connect,
                record->site_url,
                record->client_key,
                record->cloud_id,
                record->oauth_client_id};
  if (h.site.kind == SiteKind::connect) {
    auto secret = tenants_.JiraSecret(tenant, tenants::kConnectSharedSecret);
    if (!secret) return std::move(secret).take_error();
    h.auth = MakeConnectAuthorizer(app_key_, h.site.base_url, std::move(*secret), clock_);
  } else {
    auto secret = tenants_.JiraSecret(tenant, tenants::kOAuthClientSecret);
    if (!secret) return std::move(secret).take_error();
    h.auth = MakeOAuthAuthorizer(oauth_tokens_, h.site.oauth_client_id, std::move(*secret));
  }
  return h;
}

}  // namespace tcj::jira
