// jira: whether a Jira user is an administrator of their site (global ADMINISTER permission).
#pragma once

#include <memory>
#include <string>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"
#include "jira/site_access.hpp"

namespace tcj::jira {

class AdminCheck {
 public:
  virtual ~AdminCheck() = default;
  virtual core::Result<bool> IsJiraAdmin(const core::TenantId& tenant, const std::string& account_id) = 0;
};

// POST {site}/rest/api/3/permissions/check as the app (Connect JWT). Any failure is an error,
// which callers treat as "no".
class PermissionsApiAdminCheck final : public AdminCheck {
 public:
  PermissionsApiAdminCheck(SiteAccess& sites, std::shared_ptr<http::HttpClient> http)
      : sites_(sites), http_(std::move(http)) {}
  core::Result<bool> IsJiraAdmin(const core::TenantId& tenant, const std::string& account_id) override;

 private:
  SiteAccess& sites_;
  std::shared_ptr<http::HttpClient> http_;
};

// Forge: whether the user whose own token this is (x-forge-oauth-user of a UI call) holds Jira's
// global ADMINISTER permission: GET {apiBaseUrl}/rest/api/3/mypermissions?permissions=ADMINISTER.
// Any failure is an error, which callers treat as "no".
core::Result<bool> UserTokenIsJiraAdmin(http::HttpClient& http, const std::string& api_base_url,
                                        const core::Secret& user_token);

}  // namespace tcj::jira
