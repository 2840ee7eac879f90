// tenants: sign-in sessions of the standalone admin pages, opened with a local admin token. The
// browser holds the session id in an HttpOnly cookie; only its SHA-256 is stored.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "db/pool.hpp"
#include "tenants/admin_tokens.hpp"

namespace tcj::tenants {

class AdminSessionStore {
 public:
  static constexpr std::chrono::hours kLifetime{12};

  explicit AdminSessionStore(db::Pool& pool) : pool_(pool) {}

  // A new session for an authenticated admin token: the id to put in the cookie.
  core::Secret Open(const AdminIdentity& identity);
  // The identity of a live session (not expired, its token not revoked, its tenant installed).
  std::optional<AdminIdentity> Authenticate(std::string_view session_id);
  // Signs out; true when there was such a session.
  bool Close(const core::TenantId& tenant, std::string_view session_id);

 private:
  db::Pool& pool_;
};

// The CSRF token of a session: derived from the session id, so the page can be given it again after
// a reload, and useless to anyone who cannot read the cookie.
std::string CsrfTokenFor(std::string_view session_id);

}  // namespace tcj::tenants
