// tenants: Forge installations: which site an installation id is, the lifecycle writes, and the
// app system token Forge hands over with every invocation.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"
#include "tenants/secret_box.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::tenants {

// What a verified Forge Invocation Token says about the installation (forge::Invocation).
struct ForgeInstallation {
  std::string installation_id;  // ari:cloud:ecosystem::installation/<uuid>
  std::string cloud_id;
  std::string app_id;
  std::string environment_type;
  std::string environment_id;
  std::string api_base_url;
  std::string site_url;  // context.siteUrl when Forge sent one; else the API base URL stands in
};

struct ForgeTenant {
  core::TenantId tenant;
  std::string state;         // the installation's: active, uninstalled
  std::string tenant_state;  // the site's: active, disabled, uninstalled
};

struct ForgeInstallOutcome {
  core::TenantId tenant;
  bool created = false;                  // a site never seen before
  std::optional<TenantKind> moved_from;  // the link the site used until now, when it changed
  // Jira holds none of the site's records under this installation: they are to be sent again,
  // after deleting what the old link sent ("connect", "oauth"; "none" for a reinstall). Stays set
  // (every retry of the event says it again) until ResendQueued.
  std::optional<std::string> resend_from;
};

struct ForgeUninstallOutcome {
  core::TenantId tenant;
  bool site_uninstalled = false;  // false while another installation of the site is active
};

// The system token to call Jira with, opened.
struct ForgeSystemToken {
  std::string record_id;  // the installation's, to drop exactly this token when Jira refuses it
  core::Secret token;
  std::string api_base_url;
  core::Clock::TimePoint expires;
};

// Thread-safe. Lookups by installation id are cached for a few seconds (every Forge call carries
// one); this process's writes clear the entry at once.
class ForgeRegistry {
 public:
  static constexpr std::chrono::seconds kCacheTtl{5};
  // A token is not handed out when it expires sooner than this: a send takes time.
  static constexpr std::chrono::seconds kTokenMargin{60};
  static constexpr std::chrono::seconds kOfferMemory{300};

  ForgeRegistry(db::Pool& pool, const SecretBox& box, const core::Clock& clock)
      : pool_(pool), box_(box), clock_(clock) {}

  // nullptr when the installation is unknown.
  std::shared_ptr<const ForgeTenant> Find(const std::string& installation_id);
  // Other processes' installs and uninstalls (of the installation or the site) clear this one's cache.
  void FollowChanges(db::ChangeFeed& feed) { cache_.Follow(feed, {"tenants", "forge_installations"}); }

  // installed / upgraded. A known installation is made active again; a new one joins the site
  // known by its cloud id (a reinstall, or a site moving from OAuth), which keeps its servers,
  // rules and history, or makes a new site. The site's link becomes Forge. Idempotent.
  ForgeInstallOutcome Install(const ForgeInstallation& installation);

  // Keeps the token when it expires later than the one stored. False when the installation is
  // unknown, uninstalled, or already holds a fresher token.
  bool StoreSystemToken(const core::TenantId& tenant, const std::string& installation_id, const core::Secret& token,
                        core::Clock::TimePoint expires);

  // The resend of a new installation is queued (Install's resend_from).
  void ResendQueued(const core::TenantId& tenant, const std::string& installation_id);

  // StoreSystemToken, unless this process stored one of this installation that lasts at least
  // as long in the last kOfferMemory: every Forge call carries a token, mostly the one of the call
  // before, and only a fresher one is worth a write. The memory is short because another process
  // may have dropped or cleared the stored one meanwhile.
  bool OfferSystemToken(const core::TenantId& tenant, const std::string& installation_id, const core::Secret& token,
                        core::Clock::TimePoint expires);

  // The freshest token of the site's active installations that is valid for kTokenMargin more;
  // not_found (with what to wait for) when there is none.
  core::Result<ForgeSystemToken> SystemToken(const core::TenantId& tenant);

  // When the freshest token of the site's active installations expires (opened or not); nullopt
  // when it holds none.
  std::optional<core::Clock::TimePoint> SystemTokenExpiry(const core::TenantId& tenant);

  // Jira refused this token (401): it is dropped, unless a fresher one replaced it meanwhile, and
  // the site waits for Forge's next call. True when it was dropped.
  bool DiscardSystemToken(const core::TenantId& tenant, const ForgeSystemToken& refused);

  // A UI call stated the site's address (context.siteUrl, already checked against the allowed
  // site hosts). Install only knows the API base URL; from the first UI call on, the site is
  // shown and found (admin-tokens --site) by its real address. Written only when it changed;
  // this process remembers what it wrote, so the busy path costs no query.
  void NoteSiteUrl(const core::TenantId& tenant, const std::string& site_url);

  // preUninstall: the installation leaves, its token is dropped, and the site is uninstalled (its
  // data kept for the retention period) unless another installation of it is still active.
  // nullopt when the installation is unknown. Idempotent.
  std::optional<ForgeUninstallOutcome> Uninstall(const std::string& installation_id);

 private:
  std::shared_ptr<const ForgeTenant> Lookup(const std::string& installation_id);

  db::Pool& pool_;
  const SecretBox& box_;
  const core::Clock& clock_;
  db::TenantCache<std::shared_ptr<const ForgeTenant>> cache_{10'000, kCacheTtl};
  std::mutex offered_mutex_;
  struct Offered {
    core::Clock::TimePoint expires;                // of the token stored
    std::chrono::steady_clock::time_point noted;  // when
  };
  std::unordered_map<std::string, Offered> offered_;  // by installation id
  std::mutex site_urls_mutex_;
  std::unordered_map<std::string, std::string> site_urls_;  // tenant id -> the address known stored
};

}  // namespace tcj::tenants
