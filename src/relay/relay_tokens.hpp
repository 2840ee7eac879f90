// relay: the tokens relays connect with, one live token per relay server, shown once and stored
// as a SHA-256 hash (like admin tokens); and the state of each relay that the admin pages show.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/change_feed.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"

namespace tcj::relay {

// What a valid relay token opens: one server of one tenant.
struct RelayLink {
  core::TenantId tenant;
  core::ServerId server;
  std::string token_id;
};

// What relay_state says of a relay, and its token.
struct RelayStatus {
  bool token = false;  // a live token exists
  std::string token_created_at;
  bool connected = false;  // held by a live process
  std::string connected_since, disconnected_at, last_request_at, version, last_refusal;
  std::int64_t requests = 0;
  std::int64_t refusals = 0;
};

class RelayTokens {
 public:
  explicit RelayTokens(db::Pool& pool) : pool_(pool) {}

  // A revocation (or rotation, removal of the server, uninstall of the site) through any process
  // reaches this one's cache within moments.
  void FollowChanges(db::ChangeFeed& feed) { valid_.Follow(feed, {"relay_tokens", "teamcity_servers", "tenants"}); }

  // A new token for the server's relay, revoking the one it had; shown once. not_found unless the
  // server exists and reaches TeamCity through a relay.
  core::Result<core::Secret> Issue(const core::TenantId& tenant, const core::ServerId& server);
  // False when the server had no live token.
  bool Revoke(const core::TenantId& tenant, const core::ServerId& server);
  // The relay a presented token opens; nullopt for anything else (malformed, unknown, revoked).
  std::optional<RelayLink> Authenticate(std::string_view presented);

  RelayStatus Status(const core::TenantId& tenant, const core::ServerId& server);

 private:
  db::Pool& pool_;
  db::TenantCache<RelayLink> valid_{10'000, std::chrono::seconds(0)};  // by token hash
};

}  // namespace tcj::relay
