#include "relay/relay_tokens.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"
#include "core/uuid.hpp"
#include "crypto/sha256.hpp"
#include "db/transaction.hpp"
#include "relay/protocol.hpp"

namespace tcj::relay {
namespace {

constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::string Rfc3339(const std::string& column) {
  return "coalesce(to_char(" + column + " AT TIME ZONE 'UTC', " + kTime + "), '')";
}

}  // namespace

core::Result<core::Secret> RelayTokens::Issue(const core::TenantId& tenant, const core::ServerId& server) {
  if (!core::IsUuid(server.str())) {
    return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  }
  std::string bytes(32, '\0');
  core::FillRandom(bytes.data(), bytes.size());
  core::Secret token(std::string(kTokenPrefix) + core::Base64UrlEncode(bytes));
  core::SecureWipe(bytes);
  db::TenantTransaction tx(pool_, tenant);
  // The row lock orders two rotations of one server; the second revokes the first's token.
  const db::Rows server_row = tx.Exec(
      "SELECT auth_kind FROM teamcity_servers WHERE tenant_id = $1 AND server_id = $2 AND NOT deleting FOR UPDATE",
      tenant, server);
  if (server_row.empty()) {
    return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
  }
  if (server_row[0].String(0) != "relay") {
    return core::Error::InvalidField("auth", "relay.not_a_relay_server",
                                     "This server is reached directly; set its authentication to relay first.");
  }
  tx.Exec("UPDATE relay_tokens SET revoked_at = now() WHERE tenant_id = $1 AND server_id = $2 AND revoked_at IS NULL",
          tenant, server);
  tx.Exec("INSERT INTO relay_tokens (tenant_id, server_id, token_id, token_hash) VALUES ($1, $2, $3, $4)", tenant,
          server, core::NewUuid(), crypto::Sha256Hex(token.reveal()));
  tx.Commit();
  valid_.InvalidateTenant(tenant.str());
  return token;
}

bool RelayTokens::Revoke(const core::TenantId& tenant, const core::ServerId& server) {
  if (!core::IsUuid(server.str())) return false;
  db::TenantTransaction tx(pool_, tenant);
  const bool changed = !tx.Exec(
                              "UPDATE relay_tokens SET revoked_at = now() WHERE tenant_id = $1 AND server_id = $2 "
                              "AND revoked_at IS NULL RETURNING token_id",
                              tenant, server)
                            .empty();
  tx.Commit();
  valid_.InvalidateTenant(tenant.str());
  return changed;
}

std::optional<RelayLink> RelayTokens::Authenticate(std::string_view presented) {
  if (!presented.starts_with(kTokenPrefix) || presented.size() > 100) return std::nullopt;
  const std::string hash = crypto::Sha256Hex(presented);
  const auto now = std::chrono::steady_clock::now();
  if (auto link = valid_.Get(hash, now)) return link;
  const auto ticket = valid_.BeginRead();
  db::Transaction tx(pool_);
  const db::Rows rows = tx.ExecAndCommit("SELECT tenant_id, server_id, token_id FROM relay_token_lookup($1)", hash);
  if (rows.empty()) return std::nullopt;
  RelayLink link{core::TenantId(rows[0].String(0)), core::ServerId(rows[0].String(1)), rows[0].String(2)};
  valid_.Put(hash, link, link.tenant.str(), ticket, now);
  return link;
}

RelayStatus RelayTokens::Status(const core::TenantId& tenant, const core::ServerId& server) {
  RelayStatus out;
  if (!core::IsUuid(server.str())) return out;
  db::TenantTransaction tx(pool_, tenant, db::Durability::relaxed);
  const db::Rows rows = tx.Exec(
      "SELECT (SELECT " + Rfc3339("created_at") +
          " FROM relay_tokens WHERE tenant_id = $1 AND server_id = $2 AND revoked_at IS NULL), "
          "coalesce(s.connected AND s.seen_at > now() - interval '45 seconds', false), " +
          Rfc3339("s.connected_since") + ", " + Rfc3339("s.disconnected_at") + ", " + Rfc3339("s.last_request_at") +
          ", coalesce(s.version, ''), coalesce(s.last_refusal, ''), coalesce(s.requests, 0), coalesce(s.refusals, 0) "
          "FROM (SELECT 1) one LEFT JOIN relay_state s ON s.tenant_id = $1 AND s.server_id = $2",
      tenant, server);
  tx.Commit();
  if (rows.empty()) return out;
  db::Row r = rows[0];
  out.token_created_at = r.String(0);
  out.token = !out.token_created_at.empty();
  out.connected = r.Bool(1);
  out.connected_since = r.String(2);
  out.disconnected_at = r.String(3);
  out.last_request_at = r.String(4);
  out.version = r.String(5);
  out.last_refusal = r.String(6);
  out.requests = r.Int(7);
  out.refusals = r.Int(8);
  return out;
}

}  // namespace tcj::relay
