#include "app/services.hpp"

#include "core/version.hpp"

namespace tcj::app {

std::string UserAgent() { return std::string("teamcity-jira/") + core::kVersion + " (+https://www.jetbrains.com/teamcity/)"; }

Services::Services(const config::Config& c, const core::Logger& l, crypto::Keyring ring, DatabaseEndpoints e)
    : config(c),
      log(l),
      keyring(std::move(ring)),
      endpoints(std::move(e)),
      pool(endpoints.runtime, db::PoolOptions{.size = config.database.pool_size}, &pool_metrics),
      secrets(keyring, random, secret_metrics, log.With({{"component", "secrets"}})),
      http_client(http::MakeCurlClient(UserAgent())),
      install_keys(std::make_shared<connect::InstallKeys>(config.connect.install_keys_url, http_client)),
      oauth_tokens(http_client, config.oauth.token_url, clock, log.With({{"component", "oauth"}})),
      sites(tenants, oauth_tokens, config.connect.app_key, clock),
      devinfo(http_client, config.oauth.api_url, "TeamCity", devinfo_metrics, log.With({{"component", "jira"}})),
      admin_access(std::make_shared<jira::PermissionsApiAdminCheck>(sites, http_client), clock,
                   log.With({{"component", "admin"}})) {}

connect::ConnectAuthContext Services::ConnectContext() {
  return connect::ConnectAuthContext{config.server.public_url,
                                     config.connect.app_key,
                                     connect::SitePolicy{config.jira.allowed_site_hosts, config.jira.allow_http_sites},
                                     &clock,
                                     log.With({{"component", "auth"}}),
                                     &auth_metrics};
}

}  // namespace tcj::app
