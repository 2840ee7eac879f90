#include "tenants/admin_sessions.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"
#include "crypto/sha256.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

constexpr std::string_view kSessionPrefix = "tcjs_";

}  // namespace

core::Secret AdminSessionStore::Open(const AdminIdentity& identity) {
  std::string bytes(32, '\0');
  core::FillRandom(bytes.data(), bytes.size());
  core::Secret session(std::string(kSessionPrefix) + core::Base64UrlEncode(bytes));
  core::SecureWipe(bytes);
  db::TenantTransaction tx(pool_, identity.tenant);
  // Expired sessions of this site go as new ones come: the table stays small without a sweeper.
  tx.Exec("DELETE FROM admin_sessions WHERE tenant_id = $1 AND expires_at < now()", identity.tenant);
  tx.Exec(
      "INSERT INTO admin_sessions (tenant_id, session_hash, token_id, expires_at) "
      "VALUES ($1, $2, $3, now() + make_interval(hours => $4))",
      identity.tenant, crypto::Sha256Hex(session.reveal()), identity.token_id, static_cast<int>(kLifetime.count()));
  tx.Commit();
  return session;
}

std::optional<AdminIdentity> AdminSessionStore::Authenticate(std::string_view session_id) {
  if (!session_id.starts_with(kSessionPrefix) || session_id.size() > 100) return std::nullopt;
  db::Transaction tx(pool_);
  const db::Rows rows =
      tx.Exec("SELECT tenant_id, token_id FROM admin_session_lookup($1)", crypto::Sha256Hex(session_id));
  if (rows.empty()) return std::nullopt;
  return AdminIdentity{core::TenantId(rows[0].String(0)), rows[0].String(1)};
}

bool AdminSessionStore::Close(const core::TenantId& tenant, std::string_view session_id) {
  db::TenantTransaction tx(pool_, tenant);
  const bool closed = tx.Exec("DELETE FROM admin_sessions WHERE tenant_id = $1 AND session_hash = $2", tenant,
                              crypto::Sha256Hex(session_id))
                          .affected() > 0;
  tx.Commit();
  return closed;
}

std::string CsrfTokenFor(std::string_view session_id) {
  return crypto::Sha256Hex(std::string("tcj-csrf\n").append(session_id));
}

}  // namespace tcj::tenants
