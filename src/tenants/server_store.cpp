#include "tenants/server_store.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/random.hpp"
#include "core/uuid.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

constexpr const char* kColumns =
    "server_id, name, url, auth_kind, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

ServerRecord FromRow(const db::Row& row) {
  ServerRecord r;
  r.id = core::ServerId(row.String(0));
  r.name = row.String(1);
  r.url = row.String(2);
  r.auth_kind = ParseTeamCityAuthKind(row.Text(3)).value_or(TeamCityAuthKind::guest);
  r.created_at = row.String(4);
  r.updated_at = row.String(5);
  return r;
}

// The sealed plaintext: the URL and the secret fields, as JSON. Built by hand so that the secret
// is copied only into this string, which the caller wipes.
core::Secret CredentialJson(const std::string& url, const TeamCityCredentials& c) {
  std::string json = "{\"url\":\"";
  core::AppendJsonEscaped(json, url);
  if (c.kind == TeamCityAuthKind::token) {
    json += "\",\"token\":\"";
    core::AppendJsonEscaped(json, c.token.reveal());
  } else {
    json += "\",\"username\":\"";
    core::AppendJsonEscaped(json, c.username);
    json += "\",\"password\":\"";
    core::AppendJsonEscaped(json, c.password.reveal());
  }
  json += "\"}";
  return core::Secret(std::move(json));
}

core::Error Unavailable() {
  return core::Error::Make(core::ErrorKind::unavailable, "secrets.unavailable",
                           "The stored credential is unavailable; enter it again.");
}

core::Error NameTaken(const std::string& name) {
  return core::Error::Make(core::ErrorKind::conflict, "servers.name_taken",
                           "A TeamCity server named \"" + name + "\" exists already.");
}

}  // namespace

std::optional<EncryptedSecret> ServerStore::SealFor(const core::TenantId& tenant, const core::ServerId& id,
                                                    const std::string& url,
                                                    const TeamCityCredentials& credentials) const {
  if (!HasStoredSecret(credentials.kind)) return std::nullopt;
  return box_.Seal(kTeamCityCredentials, tenant, id.str(), CredentialJson(url, credentials));
}

core::Result<ServerRecord> ServerStore::Create(const core::TenantId& tenant, const std::string& name,
                                               const std::string& url, const TeamCityCredentials& credentials) {
  const core::ServerId id(core::NewUuid());
  const auto sealed = SealFor(tenant, id, url, credentials);
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.Exec(std::string("INSERT INTO teamcity_servers (tenant_id, server_id, name, url, "
                                            "auth_kind, credentials) VALUES ($1, $2, $3, $4, $5, $6) "
                                            "ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ") +
                                    kColumns,
                                tenant, id, name, url, std::string(ToString(credentials.kind)),
                                sealed ? db::Param::Bytes(sealed->stored()) : db::Param(nullptr));
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
  if (rows.empty()) return NameTaken(name);
  return FromRow(rows[0]);
}

ServerStore::ServerList ServerStore::CachedList(const core::TenantId& tenant) {
  const auto now = std::chrono::steady_clock::now();
  if (auto hit = cache_.Get(tenant.str(), now)) return *hit;
  const auto ticket = cache_.BeginRead();
  auto list = std::make_shared<std::vector<ServerRecord>>();
  db::TenantTransaction tx(pool_, tenant);
  for (db::Row row : tx.ExecAndCommit(std::string("SELECT ") + kColumns + " FROM teamcity_servers ORDER BY name")) {
    list->push_back(FromRow(row));
  }
  cache_.Put(tenant.str(), list, tenant.str(), ticket, now);
  return list;
}

std::vector<ServerRecord> ServerStore::List(const core::TenantId& tenant) {
  return *CachedList(tenant);
}

std::optional<ServerRecord> ServerStore::Get(const core::TenantId& tenant, const core::ServerId& id) {
  if (!core::IsUuid(id.str())) return std::nullopt;
  if (auto hit = cache_.Get(tenant.str(), std::chrono::steady_clock::now())) {
    for (const auto& s : **hit) {
      if (s.id == id) return s;
    }
    return std::nullopt;
  }
  return Read(tenant, id);
}

std::optional<ServerRecord> ServerStore::Read(const core::TenantId& tenant, const core::ServerId& id) {
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.ExecAndCommit(
      std::string("SELECT ") + kColumns + " FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2", tenant, id);
  if (rows.empty()) return std::nullopt;
  return FromRow(rows[0]);
}

core::Result<TeamCityCredentials> ServerStore::Credentials(const core::TenantId& tenant, const core::ServerId& id) {
  if (!core::IsUuid(id.str())) {
    return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  }
  db::TenantTransaction tx(pool_, tenant);
  const db::Rows rows = tx.Exec(
      "SELECT url, auth_kind, credentials FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2", tenant, id);
  if (rows.empty()) {
    return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  }
  TeamCityCredentials out;
  out.kind = ParseTeamCityAuthKind(rows[0].Text(1)).value_or(TeamCityAuthKind::guest);
  if (!HasStoredSecret(out.kind)) return out;
  auto opened = box_.Open(kTeamCityCredentials, tenant, id.str(), EncryptedSecret::FromStored(rows[0].Bytes(2)));
  if (!opened) return std::move(opened).take_error();
  nlohmann::json doc = nlohmann::json::parse(opened->reveal(), nullptr, false);
  auto take = [&doc](const char* field) -> std::optional<std::string> {
    if (!doc.is_object() || !doc.contains(field) || !doc[field].is_string()) return std::nullopt;
    std::string value = doc[field].get<std::string>();
    core::SecureWipe(doc[field].get_ref<std::string&>());
    return value;
  };
  const auto sealed_url = take("url");
  if (!sealed_url || *sealed_url != rows[0].String(0)) return Unavailable();  // the row was pointed elsewhere
  if (out.kind == TeamCityAuthKind::token) {
    auto token = take("token");
    if (!token) return Unavailable();
    out.token = core::Secret(std::move(*token));
  } else {
    auto username = take("username");
    auto password = take("password");
    if (!username || !password) return Unavailable();
    out.username = std::move(*username);
    out.password = core::Secret(std::move(*password));
  }
  return out;
}

core::Result<ServerRecord> ServerStore::Update(const core::TenantId& tenant, const core::ServerId& id,
                                               const ServerChange& change) {
  auto current = Read(tenant, id);  // never an older copy: the URL decides whether credentials are needed
  if (!current) return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  const std::string url = change.url.value_or(current->url);
  if (url != current->url && !change.credentials && HasStoredSecret(current->auth_kind)) {
    return core::Error::InvalidField("auth", "servers.credentials_required",
                                     "Enter the credentials again when changing the server URL.");
  }
  const std::string name = change.name.value_or(current->name);
  db::TenantTransaction tx(pool_, tenant);
  // Another server of the tenant with the new name: refused here (a rename racing another one can
  // still meet the unique index, which the caller answers as a conflict).
  if (!tx.Exec("SELECT 1 FROM teamcity_servers WHERE tenant_id = $1 AND name = $2 AND server_id <> $3", tenant, name,
               id)
           .empty()) {
    return NameTaken(name);
  }
  const auto sealed =
      change.credentials ? SealFor(tenant, id, url, *change.credentials) : std::optional<EncryptedSecret>();
  // Without new credentials only guest servers may move (the sealed credentials name their URL).
  const db::Rows rows =
      change.credentials
          ? tx.Exec(std::string("UPDATE teamcity_servers SET name = $3, url = $4, auth_kind = $5, credentials = $6, "
                                "updated_at = now() WHERE tenant_id = $1 AND server_id = $2 RETURNING ") +
                        kColumns,
                    tenant, id, name, url, std::string(ToString(change.credentials->kind)),
                    sealed ? db::Param::Bytes(sealed->stored()) : db::Param(nullptr))
          : tx.Exec(std::string("UPDATE teamcity_servers SET name = $3, url = $4, updated_at = now() "
                                "WHERE tenant_id = $1 AND server_id = $2 RETURNING ") +
                        kColumns,
                    tenant, id, name, url);
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
  if (rows.empty())
    return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  return FromRow(rows[0]);
}

bool ServerStore::Delete(const core::TenantId& tenant, const core::ServerId& id) {
  if (!core::IsUuid(id.str())) return false;
  db::TenantTransaction tx(pool_, tenant);
  const bool deleted =
      tx.Exec("DELETE FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2", tenant, id).affected() > 0;
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
  return deleted;
}

core::Result<core::Secret> ServerStore::RotateWebhookSecret(const core::TenantId& tenant, const core::ServerId& id) {
  std::string bytes(24, '\0');
  core::FillRandom(bytes.data(), bytes.size());
  core::Secret secret("whs_" + core::Base64UrlEncode(bytes));
  core::SecureWipe(bytes);
  const EncryptedSecret sealed = box_.Seal(kWebhookSecret, tenant, id.str(), secret);
  db::TenantTransaction tx(pool_, tenant);
  const bool found = tx.Exec(
                           "UPDATE teamcity_servers SET webhook_secret = $3, updated_at = now() "
                           "WHERE tenant_id = $1 AND server_id = $2",
                           tenant, id, db::Param::Bytes(sealed.stored()))
                         .affected() > 0;
  tx.Commit();
  cache_.InvalidateTenant(tenant.str());
  if (!found) return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  return secret;
}

std::optional<core::TenantId> ServerStore::WebhookTenant(const core::ServerId& id, std::string_view presented) {
  if (!core::IsUuid(id.str()) || presented.empty()) return std::nullopt;
  db::Transaction tx(pool_);
  const db::Rows rows = tx.Exec("SELECT tenant_id, webhook_secret FROM webhook_target($1)", id);
  tx.Commit();
  if (rows.empty() || rows[0].IsNull(1)) return std::nullopt;
  const core::TenantId tenant(rows[0].String(0));
  auto opened = box_.Open(kWebhookSecret, tenant, id.str(), EncryptedSecret::FromStored(rows[0].Bytes(1)));
  if (!opened) return std::nullopt;
  if (!opened->Equals(presented)) return std::nullopt;
  return tenant;
}

}  // namespace tcj::tenants
