// tenants: the registry of Jira sites (tenants) and their sealed Jira-side secrets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"
#include "tenants/secret_box.hpp"

namespace tcj::tenants {

// Which link a site reaches the service through (a site that moves keeps its tenant). A trial
// site has none: it is made on this machine for trying the service out, and nothing of it is
// ever sent anywhere.
enum class TenantKind { connect, oauth, forge, trial };
std::string_view ToString(TenantKind kind);
TenantKind ParseTenantKind(std::string_view text);  // the database's value; connect for anything else

// The address a trial site is known by; .invalid never resolves (RFC 2606).
inline constexpr std::string_view kTrialSiteUrl = "https://trial.invalid";

struct TenantRecord {
  core::TenantId id;
  TenantKind kind = TenantKind::connect;
  std::string site_url;
  std::string display_name;
  std::string state;  // active, disabled, uninstalled
  std::string client_key;       // Connect
  std::string cloud_id;         // OAuth, Forge
  std::string oauth_client_id;  // OAuth
};

// An OAuth 2.0 client-credentials site, as `sites add` registers it.
struct NewOAuthSite {
  std::string site_url;
  std::string cloud_id;
  std::string client_id;
  core::Secret client_secret;
};

// Thread-safe; each call is one TenantTransaction. Get is answered from memory once the store
// follows the change feed (the issue panel and the API read the site on every request).
class TenantStore {
 public:
  TenantStore(db::Pool& pool, const SecretBox& box) : pool_(pool), box_(box) {}

  void FollowChanges(db::ChangeFeed& feed) { cache_.Follow(feed, {"tenants"}); }

  TenantRecord Create(TenantKind kind, const std::string& site_url, const std::string& display_name);
  // The trial site `serve --trial-site` offers, unless any site exists (of any kind or state):
  // nullopt then. Safe against two processes starting at once (one advisory lock).
  std::optional<TenantRecord> CreateTrialSiteIfNone();
  // Fails with conflict when a site with that cloud id exists already.
  core::Result<TenantRecord> CreateOAuthSite(const NewOAuthSite& site);
  // Marks the tenant uninstalled (its data is then purged after the retention period).
  bool MarkUninstalled(const core::TenantId& tenant);

  // Connect sites whose cloud id is not known yet and was not asked for in the last `recheck`
  // (at most `limit`, at most 100): the id and site URL of each.
  std::vector<std::pair<core::TenantId, std::string>> ConnectSitesWithoutCloudId(int limit,
                                                                                 std::chrono::seconds recheck);
  // What asking the site said: its cloud id, or nullopt when it did not answer (asked again after
  // `recheck`).
  void RecordCloudId(const core::TenantId& tenant, const std::optional<std::string>& cloud_id);
  std::optional<TenantRecord> Get(const core::TenantId& tenant);
  // Stores the Connect shared secret or the OAuth client secret (column picks which).
  void SetJiraSecret(const core::TenantId& tenant, const EncryptedColumn& column, const core::Secret& secret);
  core::Result<core::Secret> JiraSecret(const core::TenantId& tenant, const EncryptedColumn& column);

 private:
  std::optional<TenantRecord> Read(const core::TenantId& tenant);

  db::Pool& pool_;
  const SecretBox& box_;
  // By tenant id; a site not found is cached too (untagged: any site change drops it).
  db::TenantCache<std::optional<TenantRecord>> cache_{10'000, std::chrono::seconds(0)};
};

}  // namespace tcj::tenants
