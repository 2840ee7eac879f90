#include "tenants/connect_registry.hpp"

#include "core/uuid.hpp"
#include "db/error.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

std::shared_ptr<const ConnectTenant> Lookup(db::Pool& pool, const std::string& client_key) {
  db::Transaction tx(pool);
  const db::Rows rows = tx.Exec(
      "SELECT tenant_id, state, site_url, connect_shared_secret "
      "FROM connect_tenant_lookup($1)",
      client_key);
  if (rows.empty()) return nullptr;
  auto t = std::make_shared<ConnectTenant>(
      ConnectTenant{core::TenantId(rows[0].String(0)), client_key, rows[0].String(1), rows[0].String(2), std::nullopt});
  if (!rows[0].IsNull(3)) t->shared_secret = EncryptedSecret::FromStored(rows[0].Bytes(3));
  return t;
}

}  // namespace

std::shared_ptr<const ConnectTenant> ConnectRegistry::Find(const std::string& client_key) {
  const auto now = clock_.Monotonic();
  if (auto hit = cache_.Get(client_key, now)) return hit->tenant;
  const auto ticket = cache_.BeginRead();
  auto found = Lookup(pool_, client_key);
  cache_.Put(client_key, Cached{found, nullptr}, found ? found->id.str() : std::string(), ticket, now);
  return found;
}

core::Result<std::shared_ptr<const core::Secret>> ConnectRegistry::SharedSecret(const ConnectTenant& tenant) {
  if (!tenant.shared_secret) {
    return core::Error::Make(core::ErrorKind::unauthenticated, "connect.no_secret", "the site has no shared secret");
  }
  // The opened secret belongs to the very record it was opened from: after a reinstall the same
  // tenant id comes back with another secret, in another record.
  if (auto hit = cache_.Get(tenant.client_key, clock_.Monotonic());
      hit && hit->tenant.get() == &tenant && hit->secret) {
    return hit->secret;
  }
  auto opened = box_.Open(kConnectSharedSecret, tenant.id, tenant.id.str(), *tenant.shared_secret);
  if (!opened) return std::move(opened).take_error();
  auto secret = std::make_shared<const core::Secret>(std::move(*opened));
  cache_.Update(tenant.client_key, [&](Cached& cached) {
    if (cached.tenant.get() == &tenant) cached.secret = secret;
  });
  return secret;
}

InstallOutcome ConnectRegistry::Install(const Installation& in) {
  Forget(in.client_key);
  const std::optional<std::string> oauth_client_id =
      in.oauth_client_id.empty() ? std::nullopt : std::optional<std::string>(in.oauth_client_id);
  const std::string display_url = in.display_url.empty() ? in.base_url : in.display_url;
  // The row found can be purged (uninstalled past retention) before the update, and two first
  // installs of one site can race: either way the next round finds what is there now.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto existing = Lookup(pool_, in.client_key);
    const core::TenantId id = existing ? existing->id : core::TenantId(core::NewUuid());
    const EncryptedSecret sealed = box_.Seal(kConnectSharedSecret, id, id.str(), in.shared_secret);
    db::TenantTransaction tx(pool_, id);
    const bool written =
        existing
            ? tx.Exec(
                    "UPDATE tenants SET connect_shared_secret = $2, site_url = $3, display_url = $4, "
                    "oauth_client_id = $5, state = 'active', uninstalled_at = NULL, installed_at = now(), "
                    "updated_at = now() WHERE tenant_id = $1",
                    id, db::Param::Bytes(sealed.stored()), in.base_url, display_url, oauth_client_id)
                      .affected() > 0
            : tx.Exec(
                    "INSERT INTO tenants (tenant_id, kind, site_url, display_url, client_key, oauth_client_id, "
                    "connect_shared_secret, installed_at) VALUES ($1, 'connect', $2, $3, $4, $5, $6, now()) "
                    "ON CONFLICT (client_key) WHERE client_key IS NOT NULL DO NOTHING",
                    id, in.base_url, display_url, in.client_key, oauth_client_id, db::Param::Bytes(sealed.stored()))
                      .affected() > 0;
    if (!written) continue;
    tx.Commit();
    Forget(in.client_key);
    return InstallOutcome{id, !existing};
  }
  throw db::DbError(db::DbErrorKind::serialization, "40001", "the site changed during its installation; try again");
}

bool ConnectRegistry::Uninstall(const std::string& client_key) {
  Forget(client_key);
  const auto existing = Lookup(pool_, client_key);
  if (!existing) return false;
  db::TenantTransaction tx(pool_, existing->id);
  // A site that moved to another link (Forge) stays: uninstalling the old Connect app is part of
  // the move. Its Connect secret goes, so that nothing signed with it is accepted any more.
  const bool uninstalled =
      tx.Exec(
            "UPDATE tenants SET state = 'uninstalled', uninstalled_at = coalesce(uninstalled_at, now()), "
            "updated_at = now() WHERE tenant_id = $1 AND kind = 'connect'",
            existing->id)
          .affected() > 0;
  if (!uninstalled) {
    tx.Exec("UPDATE tenants SET connect_shared_secret = NULL, updated_at = now() WHERE tenant_id = $1", existing->id);
  }
  tx.Commit();
  Forget(client_key);
  return uninstalled;
}

bool ConnectRegistry::SetEnabled(const std::string& client_key, bool enabled) {
  Forget(client_key);
  const auto existing = Lookup(pool_, client_key);
  if (!existing) return false;
  db::TenantTransaction tx(pool_, existing->id);
  // Only while the site uses Connect: a site that moved to Forge no longer answers to Connect.
  tx.Exec(
      "UPDATE tenants SET state = $2, updated_at = now() "
      "WHERE tenant_id = $1 AND state <> 'uninstalled' AND kind = 'connect'",
      existing->id, enabled ? "active" : "disabled");
  tx.Commit();
  Forget(client_key);
  return true;
}

void ConnectRegistry::Forget(const std::string& client_key) {
  cache_.Invalidate(client_key);
}

}  // namespace tcj::tenants
