// tenants: the TeamCity servers a tenant connected, with their credentials sealed in SecretBox.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"
#include "tenants/secret_box.hpp"
#include "tenants/teamcity_credentials.hpp"

namespace tcj::tenants {

struct ServerRecord {
  core::ServerId id;
  std::string name;
  std::string url;
  TeamCityAuthKind auth_kind = TeamCityAuthKind::guest;
  std::string created_at;  // RFC 3339
  std::string updated_at;
};

struct ServerChange {
  std::optional<std::string> name = std::nullopt;
  std::optional<std::string> url = std::nullopt;
  std::optional<TeamCityCredentials> credentials = std::nullopt;
};

// Every call runs in its own TenantTransaction: row level security limits it to that tenant, so a
// server id of another tenant is simply not found. Thread-safe. Once the store follows the change
// feed, List and Get answer from a copy of the tenant's servers in memory (the admin pages list
// them on every screen), which any process's change to the servers or the site drops.
class ServerStore {
 public:
  ServerStore(db::Pool& pool, const SecretBox& box) : pool_(pool), box_(box) {}

  void FollowChanges(db::ChangeFeed& feed) { cache_.Follow(feed, {"teamcity_servers", "tenants"}); }

  // Fails with conflict when the tenant already has a server of that name.
  core::Result<ServerRecord> Create(const core::TenantId& tenant, const std::string& name, const std::string& url,
                                    const TeamCityCredentials& credentials);
  std::vector<ServerRecord> List(const core::TenantId& tenant);
  std::optional<ServerRecord> Get(const core::TenantId& tenant, const core::ServerId& id);
  // The decrypted credentials; a generic unavailable error when they cannot be opened (wrong key,
  // a row edited behind our back, a URL that differs from the one sealed with them).
  core::Result<TeamCityCredentials> Credentials(const core::TenantId& tenant, const core::ServerId& id);
  // Credentials are sealed together with the URL, so a new URL needs new credentials.
  core::Result<ServerRecord> Update(const core::TenantId& tenant, const core::ServerId& id, const ServerChange& change);
  bool Delete(const core::TenantId& tenant, const core::ServerId& id);

  // A new random webhook secret for the server (the old one stops working), to be shown once.
  core::Result<core::Secret> RotateWebhookSecret(const core::TenantId& tenant, const core::ServerId& id);

  // The tenant of a webhook's server and whether `presented` is its webhook secret (constant-time).
  // nullopt when the server is unknown, being removed, its tenant uninstalled, it has no secret, or
  // the secret does not match: the caller cannot tell these apart, and neither can an attacker.
  std::optional<core::TenantId> WebhookTenant(const core::ServerId& id, std::string_view presented);

 private:
  std::optional<EncryptedSecret> SealFor(const core::TenantId& tenant, const core::ServerId& id,
                                         const std::string& url, const TeamCityCredentials& credentials) const;

  using ServerList = std::shared_ptr<const std::vector<ServerRecord>>;
  ServerList CachedList(const core::TenantId& tenant);
  std::optional<ServerRecord> Read(const core::TenantId& tenant, const core::ServerId& id);

  db::Pool& pool_;
  const SecretBox& box_;
  db::TenantCache<ServerList> cache_{10'000, std::chrono::seconds(0)};  // by tenant id
};

}  // namespace tcj::tenants
