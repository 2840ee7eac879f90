// jira: the Site and Authorizer of a tenant, from its stored row and sealed secret.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "jira/oauth_tokens.hpp"
#include "jira/site.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::jira {

struct SiteHandle {
  Site site;
  std::unique_ptr<Authorizer> auth;
};

// Thread-safe.
class SiteAccess {
 public:
  SiteAccess(tenants::TenantStore& tenants, OAuthTokens& oauth_tokens, std::string app_key, const core::Clock& clock)
      : tenants_(tenants), oauth_tokens_(oauth_tokens), app_key_(std::move(app_key)), clock_(clock) {}

  // not_found for an unknown tenant; forbidden for an uninstalled one (nothing may be sent to it);
  // unavailable when its secret cannot be opened.
  core::Result<SiteHandle> For(const core::TenantId& tenant);

 private:
  tenants::TenantStore& tenants_;
  OAuthTokens& oauth_tokens_;
  std::string app_key_;
  const core::Clock& clock_;
};

}  // namespace tcj::jira
