// config: the one immutable Config, loaded once at startup from a TOML file and TCJ_* variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/access_log.hpp"
#include "core/log.hpp"
#include "core/result.hpp"

namespace tcj::config {

struct HostPort {
  std::string host;  // IPv6 without brackets
  std::uint16_t port = 0;
  std::string ToString() const;
};

struct ServerConfig {
  HostPort listen{"127.0.0.1", 8080};
  std::string public_url = "http://127.0.0.1:8080";  // no trailing slash
  std::string tls_cert_file;
  std::string tls_key_file;
  HostPort metrics_listen{"127.0.0.1", 9464};
  int io_threads = 0;  // 0: one per CPU core
  int worker_threads = 16;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds shutdown_grace{25};
  // After SIGTERM, before the listeners close: /readyz says shutting_down, every answer closes its
  // connection, new connections are still served, so that a load balancer notices and stops
  // sending here before anything it sends is refused or reset.
  std::chrono::seconds shutdown_delay{5};
  // Open client connections in all, and from one client address (0: no cap per address; the cap
  // per address is off behind a proxy, limits.trusted_proxy_hops > 0, where every connection
  // comes from the proxy).
  int max_connections = 10000;
  int max_connections_per_ip = 256;

  bool tls_enabled() const { return !tls_cert_file.empty(); }
};

struct DatabaseConfig {
  std::string url;          // empty: the embedded local cluster under data_dir
  std::string migrate_url;  // empty: same as url (explicit mode) or the cluster's superuser (embedded)
  std::string data_dir = ".local/postgres";
  std::string schema = "app";
  int pool_size = 16;

  bool embedded() const { return url.empty(); }
};

struct SecretsConfig {
  std::string keyring_file = ".local/keyring.json";
};

struct JiraConfig {
  std::vector<std::string> allowed_site_hosts{"*.atlassian.net", "*.jira.com", "*.jira-dev.com"};
  bool allow_http_sites = false;
  std::string proxy_url;  // every request to Atlassian (Jira sites, OAuth, install keys); empty: none
};

struct ConnectConfig {
  std::string app_key = "com.example.teamcity-jira";
  std::string app_name = "TeamCity for Jira";
  std::string install_keys_url = "https://connect-install-keys.atlassian.com";
  std::string all_js_url = "https://connect-cdn.atl-paas.net/all.js";  // the Connect JS API our pages load
};

struct OAuthConfig {
  std::string token_url = "https://api.atlassian.com/oauth/token";
  std::string api_url = "https://api.atlassian.com";
};

// The Forge Remote link: Forge calls this service with Forge Invocation Tokens (FIT).
struct ForgeConfig {
  std::string app_id;  // ari:cloud:ecosystem::app/<uuid>: the FIT audience; empty: no Forge link
  std::string jwks_url = "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json";
  std::vector<std::string> api_hosts{"api.atlassian.com"};  // the only hosts a FIT's apiBaseUrl may name
  std::string environment = "PRODUCTION";  // the Forge environment type served: PRODUCTION, STAGING, DEVELOPMENT
};

struct TeamCityConfig {
  bool allow_private_networks = false;
  std::string proxy_url;  // every request to TeamCity; empty: none (the SSRF guard checks the proxy then)
  std::chrono::seconds poll_interval{30};
  std::chrono::seconds reread_interval{900};  // recent history read again (statuses changed by hand)
  int backfill_days = 30;                     // history read when a server is added
  int max_changes_per_build = 10'000;         // changes read per build (keys beyond are not found)
};

struct SyncConfig {
  int workers = 4;                 // job threads per process
  int jobs_per_tenant = 2;         // one tenant's jobs running at once, across every process
  std::chrono::seconds lease{60};  // a job whose process died runs again elsewhere after this
};

struct RetentionConfig {
  int uninstalled_days = 60;
  int backup_days = 35;                       // `backup prune` deletes backups older than this
  std::string backup_dir = ".local/backups";  // where `backup create` writes
};

// Request rate limits on the public listener (token buckets; see http/rate_limit.hpp).
struct LimitsConfig {
  int ip_requests_per_second = 20;  // per client address; 0: no per-address limit
  int ip_burst = 40;
  int tenant_requests_per_second = 50;  // per Jira site, after authentication; 0: no limit
  int tenant_burst = 100;
  // Issue panel views, which every user's opening of an issue costs: their own budgets.
  int ip_page_views_per_second = 200;
  int ip_page_view_burst = 400;
  int tenant_page_views_per_second = 1000;
  int tenant_page_view_burst = 2000;
  int sign_in_failures_per_minute = 5;  // failed POST /api/v1/session per client address; 0: no limit
  int sign_in_failure_burst = 5;
  int max_tracked_addresses = 100'000;  // buckets kept per table; least recently used ones go first
  int trusted_proxy_hops = 0;           // 0: X-Forwarded-For is ignored
};

struct LogConfig {
  core::LogLevel level = core::LogLevel::info;
  core::LogFormatSetting format = core::LogFormatSetting::automatic;
  // Which answered requests get an access log line: failures and slow requests by default.
  core::AccessLogPolicy access = *core::AccessLogPolicy::Parse("errors");
};

struct Config {
  ServerConfig server;
  DatabaseConfig database;
  SecretsConfig secrets;
  JiraConfig jira;
  ConnectConfig connect;
  OAuthConfig oauth;
  ForgeConfig forge;
  TeamCityConfig teamcity;
  SyncConfig sync;
  RetentionConfig retention;
  LimitsConfig limits;
  LogConfig log;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

// The TCJ_* variables of this process.
Environment ProcessEnvironment();

// Defaults, then the file (when given), then TCJ_<SECTION>_<KEY> variables. Unknown keys, unknown
// TCJ_ variables and bad values are refused; the error message is one line naming the key and
// where the value came from.
core::Result<Config> LoadConfig(const std::optional<std::filesystem::path>& file, const Environment& env);

// Every key this build understands, as "section.key", in documentation order.
std::vector<std::string> KnownKeys();

// The environment variable that overrides a key: "server.listen" -> "TCJ_SERVER_LISTEN".
std::string EnvironmentVariableFor(std::string_view key);

}  // namespace tcj::config
