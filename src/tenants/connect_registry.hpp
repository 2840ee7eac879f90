// tenants: Connect installations: who a client key is, and the lifecycle writes.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"
#include "tenants/secret_box.hpp"

namespace tcj::tenants {

// A Connect tenant as authentication needs it.
struct ConnectTenant {
  core::TenantId id;
  std::string client_key;
  std::string state;     // active, disabled, uninstalled
  std::string site_url;  // the stored baseUrl: the only Jira URL we ever call for this tenant
  std::optional<EncryptedSecret> shared_secret;
};

// What a verified `installed` callback carries.
struct Installation {
  std::string client_key;
  core::Secret shared_secret;
  std::string base_url;
  std::string display_url;
  std::string oauth_client_id;
};

struct InstallOutcome {
  core::TenantId tenant;
  bool created = false;  // false: a reinstall of a known site (its settings kept)
};

// Thread-safe. Lookups and opened secrets are cached (JWT verification happens on every request
// from Jira); every write of this process clears the entry at once, so a replaced shared secret or
// an uninstall takes effect immediately here, and, once the registry follows the change feed, on
// every other process within moments (within kCacheTtl without one).
class ConnectRegistry {
 public:
  static constexpr std::chrono::seconds kCacheTtl{5};

  ConnectRegistry(db::Pool& pool, const SecretBox& box, const core::Clock& clock)
      : pool_(pool), box_(box), clock_(clock) {}

  // nullptr when the client key is unknown. Shared, immutable: cheap on every request.
  std::shared_ptr<const ConnectTenant> Find(const std::string& client_key);
  // Other processes' installs, uninstalls and secret changes clear this one's cache.
  void FollowChanges(db::ChangeFeed& feed) { cache_.Follow(feed, {"tenants"}); }
  core::Result<std::shared_ptr<const core::Secret>> SharedSecret(const ConnectTenant& tenant);

  // Creates the tenant, or finds the known one again (after an uninstall too) and writes the new
  // secret, base URL and display URL in one transaction. Idempotent.
  InstallOutcome Install(const Installation& installation);
  // Marks the tenant uninstalled (its data stays for the retention period). False when unknown,
  // already uninstalled, or moved to another link (then the Connect app leaving changes nothing).
  bool Uninstall(const std::string& client_key);
  // enabled/disabled: pauses or resumes the tenant; an uninstalled tenant stays uninstalled.
  bool SetEnabled(const std::string& client_key, bool enabled);

 private:
  void Forget(const std::string& client_key);

  struct Cached {
    std::shared_ptr<const ConnectTenant> tenant;  // null: no such client key
    std::shared_ptr<const core::Secret> secret;   // opened once per entry: verifying a JWT is then a hash away
  };
  db::Pool& pool_;
  const SecretBox& box_;
  const core::Clock& clock_;
  // Bounded: client keys come from requests. A lookup racing an install or uninstall of this
  // process never puts the old row back (see core::ReadCache).
  db::TenantCache<Cached> cache_{10'000, kCacheTtl};
};

}  // namespace tcj::tenants
