// jira: the Site and Authorizer of a tenant, from its stored row and sealed secret.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "jira/oauth_tokens.hpp"
#include "jira/site.hpp"
#include "tenants/forge_registry.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::jira {

struct SiteHandle {
  Site site;
  std::unique_ptr<Authorizer> auth;
};

// Where a Forge site's system token may be sent (forge.api_hosts): checked again at every use,
// whatever the invocation token that brought the apiBaseUrl said.
struct ForgeApiPolicy {
  std::vector<std::string> hosts;
  bool allow_http = false;  // tests on loopback only
};

// Thread-safe.
class SiteAccess {
 public:
  SiteAccess(tenants::TenantStore& tenants, OAuthTokens& oauth_tokens, tenants::ForgeRegistry& forge,
             ForgeApiPolicy forge_policy, std::string app_key, const core::Clock& clock)
      : tenants_(tenants),
        oauth_tokens_(oauth_tokens),
        forge_(forge),
        forge_policy_(std::move(forge_policy)),
        app_key_(std::move(app_key)),
        clock_(clock) {}

  // not_found for an unknown tenant; forbidden for an uninstalled one (nothing may be sent to it);
  // unavailable when its secret cannot be opened; retryable unavailable (forge.no_token) for a
  // Forge site without a valid system token: its sends wait for Forge's next call.
  core::Result<SiteHandle> For(const core::TenantId& tenant);
  // A Forge site holds a system token that lasts long enough to send with (one query, nothing
  // opened): polling its TeamCity servers is worth it.
  bool ForgeCanSend(const core::TenantId& tenant);
  // The same through a given link (Connect or OAuth), whether the site uses it now or used it
  // before and its secret is kept: to delete what was sent through an old link, or to ask Jira
  // through the app a user came by. not_found when there is no secret of that link.
  core::Result<SiteHandle> ForLink(const core::TenantId& tenant, tenants::TenantKind link);

 private:
  core::Result<SiteHandle> Through(const core::TenantId& tenant, const tenants::TenantRecord& record,
                                   tenants::TenantKind link);
  core::Result<SiteHandle> ForgeSite(const core::TenantId& tenant, const tenants::TenantRecord& record);

  tenants::TenantStore& tenants_;
  OAuthTokens& oauth_tokens_;
  tenants::ForgeRegistry& forge_;
  ForgeApiPolicy forge_policy_;
  std::string app_key_;
  const core::Clock& clock_;
};

}  // namespace tcj::jira
