// app: the long-lived components of `serve`, built from the Config in dependency order and
// destroyed in reverse. Wiring only: no behaviour lives here.
#pragma once

#include <memory>

#include "app/app.hpp"
#include "app/database.hpp"
#include "config/config.hpp"
#include "connect/authenticators.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/keyring.hpp"
#include "db/change_feed.hpp"
#include "db/pool.hpp"
#include "forge/invocation_token.hpp"
#include "forge/jwks.hpp"
#include "http/client.hpp"
#include "jira/admin_check.hpp"
#include "jira/devinfo_client.hpp"
#include "jira/oauth_tokens.hpp"
#include "jira/site_access.hpp"
#include "relay/relay_tokens.hpp"
#include "relay/relays.hpp"
#include "sync/engine.hpp"
#include "sync/issue_builds.hpp"
#include "tenants/admin_sessions.hpp"
#include "tenants/admin_tokens.hpp"
#include "tenants/connect_registry.hpp"
#include "tenants/forge_registry.hpp"
#include "tenants/secret_box.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"
#include "web/admin_access.hpp"
#include "web/audit_trail.hpp"

namespace tcj::app {

class Services {
 public:
  Services(const config::Config& config, const core::Logger& log, crypto::Keyring keyring,
           DatabaseEndpoints endpoints);

  // The Connect authentication settings of this deployment.
  connect::ConnectAuthContext ConnectContext();
  // What a Forge Invocation Token must say for this deployment.
  forge::FitPolicy ForgePolicy() const;
  // How the sync and the admin pages reach a stored server: directly, or through its relay.
  std::unique_ptr<teamcity::Transport> TransportFor(const core::TenantId& tenant, const core::ServerId& server,
                                                    teamcity::ServerConnection connection);

  const config::Config& config;
  core::Logger log;
  core::SystemClock clock;
  core::MetricsRegistry metrics;
  crypto::Keyring keyring;
  DatabaseEndpoints endpoints;
  db::PoolMetrics pool_metrics{metrics};
  db::Pool pool;
  crypto::OsRandom random;
  tenants::SecretMetrics secret_metrics{metrics};
  tenants::SecretBox secrets;
  // Outbound HTTP: to Atlassian, and to TeamCity, each through its own configured proxy (or none).
  std::shared_ptr<http::HttpClient> http_client;
  std::shared_ptr<http::HttpClient> teamcity_http;
  teamcity::ClientOptions teamcity_options;  // with the SSRF guard
  tenants::TenantStore tenants{pool, secrets};
  tenants::ServerStore servers{pool, secrets};
  tenants::ConnectRegistry connect_registry{pool, secrets, clock};
  tenants::AdminTokenStore admin_tokens{pool};
  tenants::AdminSessionStore admin_sessions{pool};
  connect::AuthMetrics auth_metrics{metrics};
  std::shared_ptr<connect::InstallKeys> install_keys;
  jira::OAuthTokens oauth_tokens;
  tenants::ForgeRegistry forge_registry{pool, secrets, clock};
  std::shared_ptr<forge::ForgeKeys> forge_keys;
  jira::SiteAccess sites;
  jira::DevInfoMetrics devinfo_metrics{metrics};
  jira::DevInfoClient devinfo;
  web::AdminAccess admin_access;
  web::AuditTrail audit{pool, log.With({{"component", "audit"}})};
  relay::RelayTokens relay_tokens{pool};
  relay::Relays relays;
  sync::Engine sync_engine;
  sync::IssueBuildsReader issue_builds{pool};
  // Declared last: destroyed (and its thread stopped) before the caches it clears. Started by serve.
  db::ChangeFeed changes;
};

}  // namespace tcj::app
