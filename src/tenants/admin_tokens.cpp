#include "tenants/admin_tokens.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"
#include "core/uuid.hpp"
#include "crypto/sha256.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {

core::Secret AdminTokenStore::Create(const core::TenantId& tenant, const std::string& name) {
  std::string bytes(32, '\0');
  core::FillRandom(bytes.data(), bytes.size());
  core::Secret token(std::string(kAdminTokenPrefix) + core::Base64UrlEncode(bytes));
  core::SecureWipe(bytes);
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec("INSERT INTO admin_tokens (tenant_id, token_id, name, token_hash) VALUES ($1, $2, $3, $4)", tenant,
          core::NewUuid(), name, crypto::Sha256Hex(token.reveal()));
  tx.Commit();
  return token;
}

std::optional<AdminIdentity> AdminTokenStore::Authenticate(std::string_view presented) {
  if (!presented.starts_with(kAdminTokenPrefix) || presented.size() > 100) return std::nullopt;
  // The hash is compared by an index lookup: an attacker who can time it learns about hashes of
  // guesses, not about the token.
  const std::string hash = crypto::Sha256Hex(presented);
  const auto now = std::chrono::steady_clock::now();
  auto identity = valid_.Get(hash, now);
  if (!identity) {
    const auto ticket = valid_.BeginRead();
    db::Transaction tx(pool_);
    const db::Rows rows = tx.ExecAndCommit("SELECT tenant_id, token_id FROM admin_token_lookup($1)", hash);
    if (rows.empty()) return std::nullopt;
    identity = AdminIdentity{core::TenantId(rows[0].String(0)), rows[0].String(1)};
    valid_.Put(hash, *identity, identity->tenant.str(), ticket, now);
  }
  if (UseWorthWriting(identity->token_id)) {
    db::TenantTransaction tx(pool_, identity->tenant);
    tx.ExecAndCommit(
        "UPDATE admin_tokens SET last_used_at = now() WHERE tenant_id = $1 AND token_id = $2 "
        "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        identity->tenant, identity->token_id);
    NoteUse(identity->token_id);  // after the write: a lookup stopped before it (core::WouldBlock) writes again
  }
  return identity;
}

bool AdminTokenStore::UseWorthWriting(const std::string& token_id) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(uses_mutex_);
  const auto it = uses_.find(token_id);
  return it == uses_.end() || now - it->second >= std::chrono::minutes(1);
}

void AdminTokenStore::NoteUse(const std::string& token_id) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(uses_mutex_);
  if (uses_.size() >= 10'000) uses_.clear();
  uses_[token_id] = now;
}

std::vector<AdminTokenInfo> AdminTokenStore::List(const core::TenantId& tenant) {
  db::TenantTransaction tx(pool_, tenant);
  std::vector<AdminTokenInfo> out;
  for (db::Row row :
       tx.Exec("SELECT token_id, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
               "coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
               "revoked_at IS NOT NULL FROM admin_tokens ORDER BY created_at")) {
    out.push_back(AdminTokenInfo{row.String(0), row.String(1), row.String(2), row.String(3), row.Bool(4)});
  }
  return out;
}

bool AdminTokenStore::Revoke(const core::TenantId& tenant, const std::string& token_id) {
  if (!core::IsUuid(token_id)) return false;
  db::TenantTransaction tx(pool_, tenant);
  const bool changed = tx.Exec(
                             "UPDATE admin_tokens SET revoked_at = now() WHERE tenant_id = $1 AND token_id = $2 "
                             "AND revoked_at IS NULL",
                             tenant, token_id)
                           .affected() > 0;
  tx.Commit();
  valid_.InvalidateTenant(tenant.str());
  return changed;
}

}  // namespace tcj::tenants
