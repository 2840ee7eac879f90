#include "tenants/forge_registry.hpp"

#include "core/uuid.hpp"
#include "db/error.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {

std::shared_ptr<const ForgeTenant> ForgeRegistry::Lookup(const std::string& installation_id) {
  db::Transaction tx(pool_);
  const db::Rows rows =
      tx.Exec("SELECT tenant_id, state, tenant_state FROM forge_installation_lookup($1)", installation_id);
  if (rows.empty()) return nullptr;
  return std::make_shared<const ForgeTenant>(
      ForgeTenant{core::TenantId(rows[0].String(0)), rows[0].String(1), rows[0].String(2)});
}

std::shared_ptr<const ForgeTenant> ForgeRegistry::Find(const std::string& installation_id) {
  const auto now = clock_.Monotonic();
  if (auto hit = cache_.Get(installation_id, now)) return *hit;
  const auto ticket = cache_.BeginRead();
  auto found = Lookup(installation_id);
  cache_.Put(installation_id, found, found ? found->tenant.str() : std::string(), ticket, now);
  return found;
}

ForgeInstallOutcome ForgeRegistry::Install(const ForgeInstallation& in) {
  cache_.Invalidate(in.installation_id);
  {
    std::lock_guard lock(offered_mutex_);
    offered_.erase(in.installation_id);  // an installation back from uninstalled holds no token
  }
  const std::string site_url = in.site_url.empty() ? in.api_base_url : in.site_url;
  // Active again, keeping a disabled site disabled; the link is Forge from now on.
  constexpr const char* kActivate =
      "UPDATE tenants SET kind = 'forge', cloud_id = coalesce(cloud_id, $2), "
      "state = CASE WHEN state = 'disabled' THEN 'disabled' ELSE 'active' END, uninstalled_at = NULL, "
      "installed_at = now(), updated_at = now() WHERE tenant_id = $1 RETURNING 1";
  // The row found can be purged before the update, and two first installs can race: either way
  // the next round finds what is there now.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (const auto known = Lookup(in.installation_id)) {
      db::TenantTransaction tx(pool_, known->tenant);
      const db::Rows updated = tx.Exec(
          "UPDATE forge_installations SET state = 'active', uninstalled_at = NULL, app_id = $2, "
          "environment_type = $3, environment_id = $4, api_base_url = $5, updated_at = now() "
          "WHERE installation_id = $1 RETURNING resend_from",
          in.installation_id, in.app_id, in.environment_type, in.environment_id, in.api_base_url);
      if (updated.empty() || tx.Exec(kActivate, known->tenant, in.cloud_id).empty()) continue;
      tx.Commit();
      cache_.Invalidate(in.installation_id);
      ForgeInstallOutcome outcome{known->tenant, false, std::nullopt, std::nullopt};
      if (!updated[0].IsNull(0)) outcome.resend_from = updated[0].String(0);
      return outcome;
    }
    std::optional<core::TenantId> site;
    std::optional<TenantKind> was;
    {
      db::Transaction tx(pool_);
      const db::Rows rows = tx.Exec("SELECT tenant_id, kind FROM forge_site_lookup($1)", in.cloud_id);
      if (!rows.empty()) {
        site = core::TenantId(rows[0].String(0));
        was = ParseTenantKind(rows[0].Text(1));
      }
    }
    // The site found can turn out to clash with a Forge site of the same cloud id made meanwhile
    // (migration 0014 allows one): the next round finds that one.
    try {
      const core::TenantId tenant = site ? *site : core::TenantId(core::NewUuid());
      db::TenantTransaction tx(pool_, tenant);
      if (site) {
        if (tx.Exec(kActivate, tenant, in.cloud_id).empty()) continue;  // purged meanwhile
      } else if (tx.Exec("INSERT INTO tenants (tenant_id, kind, site_url, cloud_id, installed_at) "
                         "VALUES ($1, 'forge', $2, $3, now()) "
                         "ON CONFLICT (cloud_id) WHERE kind = 'forge' DO NOTHING",
                         tenant, site_url, in.cloud_id)
                     .affected() == 0) {
        continue;  // another installation of the site made it meanwhile: join it next round
      }
      ForgeInstallOutcome outcome{tenant, !site, std::nullopt, std::nullopt};
      if (was && *was != TenantKind::forge) outcome.moved_from = was;
      if (site) outcome.resend_from = outcome.moved_from ? std::string(ToString(*outcome.moved_from)) : "none";
      const bool inserted =
          tx.Exec(
                "INSERT INTO forge_installations (tenant_id, installation_id, record_id, cloud_id, app_id, "
                "environment_type, environment_id, api_base_url, resend_from) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (installation_id) DO NOTHING",
                tenant, in.installation_id, core::NewUuid(), in.cloud_id, in.app_id, in.environment_type,
                in.environment_id, in.api_base_url, outcome.resend_from)
              .affected() > 0;
      if (!inserted) continue;  // the same installation, installed by a racing call: find it next round
      tx.Commit();
      cache_.Invalidate(in.installation_id);
      return outcome;

    } catch (const db::DbError& e) {
      if (e.kind() != db::DbErrorKind::unique_violation) throw;
    }
  }
  throw db::DbError(db::DbErrorKind::serialization, "40001", "the site changed during its installation; try again");
}

bool ForgeRegistry::StoreSystemToken(const core::TenantId& tenant, const std::string& installation_id,
                                     const core::Secret& token, core::Clock::TimePoint expires) {
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.Exec(
      "SELECT record_id::text FROM forge_installations WHERE tenant_id = $1 AND installation_id = $2 "
      "AND state = 'active' AND (system_token_expires_at IS NULL OR system_token_expires_at < to_timestamp($3)) "
      "FOR UPDATE",
      tenant, installation_id, std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  if (rows.empty()) return false;
  const EncryptedSecret sealed = box_.Seal(kForgeSystemToken, tenant, rows[0].String(0), token);
  tx.Exec(
      "UPDATE forge_installations SET system_token = $3, system_token_expires_at = to_timestamp($4), "
      "updated_at = now() WHERE tenant_id = $1 AND installation_id = $2",
      tenant, installation_id, db::Param::Bytes(sealed.stored()),
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  tx.Commit();
  return true;
}

void ForgeRegistry::ResendQueued(const core::TenantId& tenant, const std::string& installation_id) {
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec("UPDATE forge_installations SET resend_from = NULL WHERE tenant_id = $1 AND installation_id = $2", tenant,
          installation_id);
  tx.Commit();
}

void ForgeRegistry::NoteSiteUrl(const core::TenantId& tenant, const std::string& site_url) {
  {
    std::lock_guard lock(site_urls_mutex_);
    if (const auto it = site_urls_.find(tenant.str()); it != site_urls_.end() && it->second == site_url) return;
  }
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec(
      "UPDATE tenants SET site_url = $2, updated_at = now() "
      "WHERE tenant_id = $1 AND kind = 'forge' AND site_url IS DISTINCT FROM $2",
      tenant, site_url);
  tx.Commit();
  std::lock_guard lock(site_urls_mutex_);
  if (site_urls_.size() >= 10'000) site_urls_.clear();
  site_urls_[tenant.str()] = site_url;
}

bool ForgeRegistry::OfferSystemToken(const core::TenantId& tenant, const std::string& installation_id,
                                     const core::Secret& token, core::Clock::TimePoint expires) {
  const auto now = clock_.Monotonic();
  {
    std::lock_guard lock(offered_mutex_);
    if (const auto it = offered_.find(installation_id);
        it != offered_.end() && it->second.expires >= expires && now - it->second.noted < kOfferMemory) {
      return false;
    }
  }
  const bool stored = StoreSystemToken(tenant, installation_id, token, expires);
  if (!stored) return false;  // one at least as fresh is there, or the installation left
  std::lock_guard lock(offered_mutex_);
  if (offered_.size() >= 10'000) offered_.clear();
  Offered& entry = offered_[installation_id];
  if (entry.expires < expires || now - entry.noted >= kOfferMemory) entry = Offered{expires, now};
  return true;
}

core::Result<ForgeSystemToken> ForgeRegistry::SystemToken(const core::TenantId& tenant) {
  const auto valid_until = clock_.Now() + kTokenMargin;
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.Exec(
      "SELECT record_id::text, api_base_url, system_token, extract(epoch FROM system_token_expires_at)::bigint "
      "FROM forge_installations WHERE tenant_id = $1 AND state = 'active' AND system_token IS NOT NULL "
      "AND system_token_expires_at > to_timestamp($2) ORDER BY system_token_expires_at DESC LIMIT 1",
      tenant, std::chrono::duration_cast<std::chrono::seconds>(valid_until.time_since_epoch()).count());
  tx.Commit();
  if (rows.empty()) {
    return core::Error::Make(core::ErrorKind::not_found, "forge.no_token",
                             "no valid Forge system token: sending waits until Forge calls the service again "
                             "(the hourly scheduled trigger, or an admin opening the app)");
  }
  auto opened = box_.Open(kForgeSystemToken, tenant, rows[0].String(0), EncryptedSecret::FromStored(rows[0].Bytes(2)));
  if (!opened) return std::move(opened).take_error();
  return ForgeSystemToken{rows[0].String(0), std::move(*opened), rows[0].String(1),
                          core::Clock::TimePoint(std::chrono::seconds(rows[0].Int(3)))};
}

std::optional<core::Clock::TimePoint> ForgeRegistry::SystemTokenExpiry(const core::TenantId& tenant) {
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.Exec(
      "SELECT extract(epoch FROM max(system_token_expires_at))::bigint FROM forge_installations "
      "WHERE tenant_id = $1 AND state = 'active' AND system_token IS NOT NULL",
      tenant);
  tx.Commit();
  if (rows.empty() || rows[0].IsNull(0)) return std::nullopt;
  return core::Clock::TimePoint(std::chrono::seconds(rows[0].Int(0)));
}

bool ForgeRegistry::DiscardSystemToken(const core::TenantId& tenant, const ForgeSystemToken& refused) {
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows dropped = tx.Exec(
      "UPDATE forge_installations SET system_token = NULL, system_token_expires_at = NULL, updated_at = now() "
      "WHERE tenant_id = $1 AND record_id = $2::uuid AND system_token_expires_at = to_timestamp($3) "
      "RETURNING installation_id",
      tenant, refused.record_id,
      std::chrono::duration_cast<std::chrono::seconds>(refused.expires.time_since_epoch()).count());
  tx.Commit();
  std::lock_guard lock(offered_mutex_);
  for (db::Row row : dropped) offered_.erase(row.String(0));  // a token offered again may be stored again
  return !dropped.empty();
}

std::optional<ForgeUninstallOutcome> ForgeRegistry::Uninstall(const std::string& installation_id) {
  cache_.Invalidate(installation_id);
  {
    std::lock_guard lock(offered_mutex_);
    offered_.erase(installation_id);
  }
  const auto known = Lookup(installation_id);
  if (!known) return std::nullopt;
  db::TenantTransaction tx(pool_, known->tenant);
  tx.Exec(
      "UPDATE forge_installations SET state = 'uninstalled', uninstalled_at = coalesce(uninstalled_at, now()), "
      "system_token = NULL, system_token_expires_at = NULL, updated_at = now() WHERE installation_id = $1",
      installation_id);
  tx.Exec(
      "UPDATE tenants SET state = 'uninstalled', uninstalled_at = coalesce(uninstalled_at, now()), "
      "updated_at = now() WHERE tenant_id = $1 AND kind = 'forge' AND NOT EXISTS (SELECT 1 FROM "
      "forge_installations WHERE tenant_id = $1 AND state = 'active')",
      known->tenant);
  const bool site_uninstalled =
      tx.Exec("SELECT 1 FROM tenants WHERE tenant_id = $1 AND state = 'uninstalled'", known->tenant).size() > 0;
  tx.Commit();
  cache_.Invalidate(installation_id);
  return ForgeUninstallOutcome{known->tenant, site_uninstalled};
}

}  // namespace tcj::tenants
