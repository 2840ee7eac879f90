#include "app/services.hpp"

#include <unistd.h>

#include <array>

#include "core/version.hpp"
#include "http/address_policy.hpp"

namespace tcj::app {
namespace {

// Unique per process, readable in the jobs table: the host and the process id.
std::string WorkerId() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + ":" + std::to_string(getpid());
}

sync::EngineOptions EngineOptionsFrom(const config::Config& c) {
  sync::EngineOptions o;
  o.sync.poll_interval = c.teamcity.poll_interval;
  o.sync.backfill_days = c.teamcity.backfill_days;
  o.sync.reread_every = c.teamcity.reread_interval;
  o.sync.max_changes_per_build = static_cast<std::size_t>(c.teamcity.max_changes_per_build);
  o.workers.threads = c.sync.workers;
  o.workers.per_tenant = c.sync.jobs_per_tenant;
  o.workers.lease = c.sync.lease;
  o.worker_id = WorkerId();
  o.uninstalled_days = c.retention.uninstalled_days;
  return o;
}

}  // namespace

std::string UserAgent() {
  return std::string("teamcity-jira/") + core::Version() + " (+https://www.jetbrains.com/teamcity/)";
}

Services::Services(const config::Config& c, const core::Logger& l, crypto::Keyring ring, DatabaseEndpoints e)
    : config(c),
      log(l),
      keyring(std::move(ring)),
      endpoints(std::move(e)),
      pool(endpoints.runtime, db::PoolOptions{.size = config.database.pool_size}, &pool_metrics),
      secrets(keyring, random, secret_metrics, log.With({{"component", "secrets"}})),
      http_client(http::MakeCurlClient(UserAgent(), config.jira.proxy_url)),
      teamcity_http(http::MakeCurlClient(UserAgent(), config.teamcity.proxy_url)),
      teamcity_options{.allow_address =
                           http::AddressGuard(http::UrlPolicy::ForTeamCity(config.teamcity.allow_private_networks))},
      install_keys(std::make_shared<connect::InstallKeys>(config.connect.install_keys_url, http_client)),
      oauth_tokens(http_client, config.oauth.token_url, clock, log.With({{"component", "oauth"}})),
      forge_keys(std::make_shared<forge::ForgeKeys>(config.forge.jwks_url, http_client, clock)),
      sites(tenants, oauth_tokens, forge_registry,
            jira::ForgeApiPolicy{config.forge.api_hosts, config.jira.allow_http_sites}, config.connect.app_key, clock),
      devinfo(http_client, config.oauth.api_url, "TeamCity", devinfo_metrics, clock, log.With({{"component", "jira"}})),
      admin_access(std::make_shared<jira::PermissionsApiAdminCheck>(sites, http_client), http_client, clock,
                   log.With({{"component", "admin"}})),
      relays(pool, relay_tokens, log.With({{"component", "relay"}}), relay::RelaysOptions{.holder = WorkerId()}),
      sync_engine(
          pool, tenants, servers, sites, devinfo, http_client,
          [this](const core::TenantId& t, const core::ServerId& s, teamcity::ServerConnection connection) {
            return TransportFor(t, s, std::move(connection));
          },
          metrics, log, clock, EngineOptionsFrom(config)),
      changes(pool, log.With({{"component", "db.changes"}})) {
  tenants.FollowChanges(changes);
  servers.FollowChanges(changes);
  connect_registry.FollowChanges(changes);
  forge_registry.FollowChanges(changes);
  admin_tokens.FollowChanges(changes);
  issue_builds.FollowChanges(changes);
  relay_tokens.FollowChanges(changes);
  relays.FollowChanges(changes);
  relays.OnConnected([this](const core::TenantId& t, const core::ServerId& s) { sync_engine.RunServerJobsNow(t, s); });
}

std::unique_ptr<teamcity::Transport> Services::TransportFor(const core::TenantId& tenant, const core::ServerId& server,
                                                            teamcity::ServerConnection connection) {
  if (connection.credentials.kind == tenants::TeamCityAuthKind::relay) return relays.TransportFor(tenant, server);
  return teamcity::MakeDirectTransport(teamcity_http, std::move(connection), teamcity_options);
}

forge::FitPolicy Services::ForgePolicy() const {
  return forge::FitPolicy{.app_id = config.forge.app_id,
                          .api_hosts = config.forge.api_hosts,
                          .allow_http = config.jira.allow_http_sites,
                          .site_hosts = config.jira.allowed_site_hosts,
                          .environment_type = config.forge.environment};
}

connect::ConnectAuthContext Services::ConnectContext() {
  return connect::ConnectAuthContext{config.server.public_url,
                                     config.connect.app_key,
                                     connect::SitePolicy{config.jira.allowed_site_hosts, config.jira.allow_http_sites},
                                     &clock,
                                     log.With({{"component", "auth"}}),
                                     &auth_metrics};
}

}  // namespace tcj::app
