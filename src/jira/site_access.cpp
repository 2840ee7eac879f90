#include "jira/site_access.hpp"

#include <algorithm>

#include "core/url.hpp"

namespace tcj::jira {

core::Result<SiteHandle> SiteAccess::ForgeSite(const core::TenantId& tenant, const tenants::TenantRecord& record) {
  auto token = forge_.SystemToken(tenant);
  if (!token) {
    if (token.error().kind != core::ErrorKind::not_found) return std::move(token).take_error();
    // Not an error of the site's: the work waits (retried) and says why.
    return core::Error::Retryable(core::ErrorKind::unavailable, token.error().code, token.error().message);
  }
  const auto url = core::ParseUrl(token->api_base_url);
  const auto& hosts = forge_policy_.hosts;
  if (!url || (url->scheme != "https" && !forge_policy_.allow_http) ||
      std::find(hosts.begin(), hosts.end(), url->host) == hosts.end()) {
    return core::Error::Make(core::ErrorKind::forbidden, "forge.api_host_not_allowed",
                             "the Forge installation's API base URL is not on a host of forge.api_hosts");
  }
  SiteHandle h;
  h.site.tenant = tenant;
  h.site.kind = SiteKind::forge;
  h.site.base_url = record.site_url;
  h.site.cloud_id = record.cloud_id;
  h.site.api_base_url = token->api_base_url;
  // What identifies the token for dropping it; the secret itself stays with the authorizer.
  const tenants::ForgeSystemToken refused{token->record_id, core::Secret(), "", token->expires};
  h.auth = MakeForgeAuthorizer(std::move(token->token), token->expires, clock_,
                               [this, tenant, refused] { forge_.DiscardSystemToken(tenant, refused); });
  return h;
}

core::Result<SiteHandle> SiteAccess::For(const core::TenantId& tenant) {
  const auto record = tenants_.Get(tenant);
  if (!record) return core::Error::Make(core::ErrorKind::not_found, "tenants.not_found", "no such Jira site");
  if (record->state == "uninstalled") {
    return core::Error::Make(core::ErrorKind::forbidden, "tenants.uninstalled", "the Jira site uninstalled the app");
  }
  return Through(tenant, *record, record->kind);
}

bool SiteAccess::ForgeCanSend(const core::TenantId& tenant) {
  const auto expires = forge_.SystemTokenExpiry(tenant);
  return expires && *expires > clock_.Now() + tenants::ForgeRegistry::kTokenMargin;
}

core::Result<SiteHandle> SiteAccess::ForLink(const core::TenantId& tenant, tenants::TenantKind link) {
  const auto record = tenants_.Get(tenant);
  if (!record) return core::Error::Make(core::ErrorKind::not_found, "tenants.not_found", "no such Jira site");
  if (record->state == "uninstalled") {
    return core::Error::Make(core::ErrorKind::forbidden, "tenants.uninstalled", "the Jira site uninstalled the app");
  }
  if (link == tenants::TenantKind::forge) {
    return core::Error::Make(core::ErrorKind::invalid_input, "jira.forge_link",
                             "a Forge site is reached through its installation (For)");
  }
  return Through(tenant, *record, link);
}

core::Result<SiteHandle> SiteAccess::Through(const core::TenantId& tenant, const tenants::TenantRecord& record,
                                             tenants::TenantKind link) {
  if (record.kind == tenants::TenantKind::trial || link == tenants::TenantKind::trial) {
    // Not retryable and not the site's fault: sends end at once (RunSend), and records wait here.
    return core::Error::Make(core::ErrorKind::forbidden, "jira.trial_site",
                             "a trial site has no Jira: its builds are linked and shown here, never sent");
  }
  if (link == tenants::TenantKind::forge) return ForgeSite(tenant, record);
  SiteHandle h;
  h.site = Site{tenant,
                link == tenants::TenantKind::oauth ? SiteKind::oauth : SiteKind::connect,
                record.site_url,
                record.client_key,
                record.cloud_id,
                record.oauth_client_id,
                ""};
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
