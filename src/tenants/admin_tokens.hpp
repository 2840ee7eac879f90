// tenants: local admin tokens, for the standalone admin pages and API of OAuth and self-hosted
// sites. Tokens are shown once and stored only as a SHA-256 hash.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"

namespace tcj::tenants {

// "tcj_" + 43 characters of base64url: 256 random bits, recognisable by secret scanners.
inline constexpr std::string_view kAdminTokenPrefix = "tcj_";

struct AdminTokenInfo {
  std::string token_id;
  std::string name;
  std::string created_at;
  std::string last_used_at;  // "" when never used
  bool revoked = false;
};

struct AdminIdentity {
  core::TenantId tenant;
  std::string token_id;
};

class AdminTokenStore {
 public:
  explicit AdminTokenStore(db::Pool& pool) : pool_(pool) {}

  // Once following the change feed, a valid token is answered from memory; a revocation (or the
  // site's uninstall) through any process drops it within moments, through this one at once.
  void FollowChanges(db::ChangeFeed& feed) { valid_.Follow(feed, {"admin_tokens", "tenants"}); }

  // The new token, to be shown once.
  core::Secret Create(const core::TenantId& tenant, const std::string& name);
  // The tenant and token of a presented token, when it is valid (not revoked, tenant installed).
  // Without a live change feed it is looked up every time. last_used_at is written at most once a
  // minute per token by this process (the minute the list shows), not per request.
  std::optional<AdminIdentity> Authenticate(std::string_view presented);
  std::vector<AdminTokenInfo> List(const core::TenantId& tenant);
  bool Revoke(const core::TenantId& tenant, const std::string& token_id);

 private:
  // True when this process has not written a use of the token in the last minute.
  bool UseWorthWriting(const std::string& token_id);
  void NoteUse(const std::string& token_id);

  db::Pool& pool_;
  // Valid tokens by their hash; unknown ones are not kept (anyone can present those).
  db::TenantCache<AdminIdentity> valid_{10'000, std::chrono::seconds(0)};
  std::mutex uses_mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> uses_;  // by token id
};

}  // namespace tcj::tenants
