#include "tenants/tenant_store.hpp"

#include <cassert>

#include "core/uuid.hpp"
#include "db/migrations.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

[[maybe_unused]] bool IsJiraSecretColumn(const EncryptedColumn& c) {
  return c.table == "tenants" && (c.column == kConnectSharedSecret.column || c.column == kOAuthClientSecret.column);
}

}  // namespace

std::string_view ToString(TenantKind kind) {
  switch (kind) {
    case TenantKind::connect:
      return "connect";
    case TenantKind::oauth:
      return "oauth";
    case TenantKind::forge:
      return "forge";
    case TenantKind::trial:
      return "trial";
  }
  return "connect";
}

TenantKind ParseTenantKind(std::string_view text) {
  if (text == "oauth") return TenantKind::oauth;
  if (text == "forge") return TenantKind::forge;
  if (text == "trial") return TenantKind::trial;
  return TenantKind::connect;
}

TenantRecord TenantStore::Create(TenantKind kind, const std::string& site_url, const std::string& display_name) {
  TenantRecord r{core::TenantId(core::NewUuid()), kind, site_url, display_name, "active", "", "", ""};
  db::TenantTransaction tx(pool_, r.id);
  tx.Exec("INSERT INTO tenants (tenant_id, kind, site_url, display_name) VALUES ($1, $2, $3, $4)", r.id, ToString(kind),
          site_url, display_name);
  tx.Commit();
  cache_.InvalidateTenant(r.id.str());
  return r;
}

std::optional<TenantRecord> TenantStore::CreateTrialSiteIfNone() {
  // .invalid never resolves (RFC 2606): the address names the site, and nothing can reach it.
  TenantRecord r{core::TenantId(core::NewUuid()),
                 TenantKind::trial,
                 std::string(kTrialSiteUrl),
                 "Trial site",
                 "active",
                 "",
                 "",
                 ""};
  db::TenantTransaction tx(pool_, r.id);
  // Two processes starting at once on an empty database make one trial site, not two.
  tx.Exec("SELECT pg_advisory_xact_lock(hashtext('tcj.trial_site'))");
  if (tx.Exec("SELECT coalesce(sum(sites), 0)::bigint FROM site_counts()")[0].Int(0) > 0) return std::nullopt;
  tx.Exec("INSERT INTO tenants (tenant_id, kind, site_url, display_name) VALUES ($1, $2, $3, $4)", r.id,
          ToString(r.kind), r.site_url, r.display_name);
  tx.Commit();
  cache_.InvalidateTenant(r.id.str());
  return r;
}

std::optional<TenantRecord> TenantStore::Get(const core::TenantId& tenant) {
  const auto now = std::chrono::steady_clock::now();
  if (auto hit = cache_.Get(tenant.str(), now)) return std::move(*hit);
  const auto ticket = cache_.BeginRead();
  auto found = Read(tenant);
  cache_.Put(tenant.str(), found, found ? tenant.str() : std::string(), ticket, now);
  return found;
}

std::optional<TenantRecord> TenantStore::Read(const core::TenantId& tenant) {
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.ExecAndCommit(
      "SELECT kind, site_url, display_name, state, coalesce(client_key, ''), coalesce(cloud_id, ''), "
      "coalesce(oauth_client_id, '') FROM tenants WHERE tenant_id = $1",
      tenant);
  if (rows.empty()) return std::nullopt;
  return TenantRecord{tenant,
                      ParseTenantKind(rows[0].Text(0)),
                      rows[0].String(1),
                      rows[0].String(2),
                      rows[0].String(3),
                      rows[0].String(4),
                      rows[0].String(5),
                      rows[0].String(6)};
}

core::Result<TenantRecord> TenantStore::CreateOAuthSite(const NewOAuthSite& site) {
  const core::TenantId id(core::NewUuid());
  const EncryptedSecret sealed = box_.Seal(kOAuthClientSecret, id, id.str(), site.client_secret);
  db::TenantTransaction tx(pool_, id);
  const bool inserted =
      tx.Exec(
            "INSERT INTO tenants (tenant_id, kind, site_url, cloud_id, oauth_client_id, oauth_client_secret, "
            "installed_at) VALUES ($1, 'oauth', $2, $3, $4, $5, now()) "
            "ON CONFLICT (cloud_id) WHERE kind = 'oauth' DO NOTHING",
            id, site.site_url, site.cloud_id, site.client_id, db::Param::Bytes(sealed.stored()))
          .affected() > 0;
  tx.Commit();
  cache_.InvalidateTenant(id.str());
  if (!inserted) {
    return core::Error::Make(core::ErrorKind::conflict, "sites.exists",
                             "the site " + site.site_url + " is connected already");
  }
  return TenantRecord{id, TenantKind::oauth, site.site_url, "", "active", "", site.cloud_id, site.client_id};
}

bool TenantStore::MarkUninstalled(const core::TenantId& tenant) {
  db::TenantTransaction tx(pool_, tenant);
  const bool changed = tx.Exec(
                             "UPDATE tenants SET state = 'uninstalled', uninstalled_at = now(), updated_at = now() "
                             "WHERE tenant_id = $1 AND state <> 'uninstalled'",
                             tenant)
                           .affected() > 0;
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
  return changed;
}

std::vector<std::pair<core::TenantId, std::string>> TenantStore::ConnectSitesWithoutCloudId(
    int limit, std::chrono::seconds recheck) {
  db::Transaction tx(pool_);
  const db::Rows rows = tx.Exec("SELECT tenant_id, site_url FROM connect_sites_without_cloud_id($1, $2)", limit,
                                static_cast<std::int64_t>(recheck.count()));
  tx.Commit();
  std::vector<std::pair<core::TenantId, std::string>> sites;
  for (db::Row row : rows) sites.emplace_back(core::TenantId(row.String(0)), row.String(1));
  return sites;
}

void TenantStore::RecordCloudId(const core::TenantId& tenant, const std::optional<std::string>& cloud_id) {
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec(
      "UPDATE tenants SET cloud_id = coalesce(cloud_id, $2), cloud_id_checked_at = now() "
      "WHERE tenant_id = $1",
      tenant, cloud_id);
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
}

void TenantStore::SetJiraSecret(const core::TenantId& tenant, const EncryptedColumn& column,
                                const core::Secret& secret) {
  assert(IsJiraSecretColumn(column));
  const EncryptedSecret sealed = box_.Seal(column, tenant, tenant.str(), secret);
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec("UPDATE tenants SET " + db::QuoteIdentifier(column.column) + " = $2, updated_at = now() WHERE tenant_id = $1",
          tenant, db::Param::Bytes(sealed.stored()));
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
}

core::Result<core::Secret> TenantStore::JiraSecret(const core::TenantId& tenant, const EncryptedColumn& column) {
  assert(IsJiraSecretColumn(column));
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows =
      tx.Exec("SELECT " + db::QuoteIdentifier(column.column) + " FROM tenants WHERE tenant_id = $1", tenant);
  if (rows.empty() || rows[0].IsNull(0)) {
    return core::Error::Make(core::ErrorKind::not_found, "tenants.no_secret", "The Jira site has no stored secret.");
  }
  return box_.Open(column, tenant, tenant.str(), EncryptedSecret::FromStored(rows[0].Bytes(0)));
}

}  // namespace tcj::tenants
