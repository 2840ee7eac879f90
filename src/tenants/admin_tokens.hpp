// tenants: local admin tokens, for the standalone admin pages and API of OAuth and self-hosted
// sites. Tokens are shown once and stored only as a SHA-256 hash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"

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

  // The new token, to be shown once.
  core::Secret Create(const core::TenantId& tenant, const std::string& name);
  // The tenant and token of a presented token, when it is valid (not revoked, tenant installed).
  std::optional<AdminIdentity> Authenticate(std::string_view presented);
  std::vector<AdminTokenInfo> List(const core::TenantId& tenant);
  bool Revoke(const core::TenantId& tenant, const std::string& token_id);

 private:
  db::Pool& pool_;
};

}  // namespace tcj::tenants
