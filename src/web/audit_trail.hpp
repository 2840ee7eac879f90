// web: recording what administrators change, from the request that changed it; the audit log API.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/log.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"
#include "tenants/audit_log.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

// Thread-safe. An entry is written after the change it records has committed; a failure to write
// it is logged (as the entry itself, so nothing is lost from the log) and does not undo or fail
// the change, which the administrator would otherwise repeat.
class AuditTrail {
 public:
  AuditTrail(db::Pool& pool, core::Logger log) : pool_(pool), log_(std::move(log)) {}

  // The principal of an authenticated request: a Jira user (Connect context token) or an admin
  // token (local admin), and its client address.
  static tenants::Actor ActorOf(const http::Request& request);

  void Record(const http::Request& request, std::string_view action, std::string_view target,
              const nlohmann::json& detail) const;
  void Record(const core::TenantId& tenant, const tenants::Actor& actor, std::string_view action,
              std::string_view target, const nlohmann::json& detail) const;

  db::Pool& pool() const { return pool_; }

 private:
  db::Pool& pool_;
  core::Logger log_;
};

//   GET /api/v1/audit?limit=N&before=ID  administrators: {"events": [...], "next_before"}, newest
//                                        first (see tenants::AuditEventsJson); limit 1-200, 50.
void AddAuditRoutes(http::Router& router, const AuditTrail& audit, AdminAccess& access);

}  // namespace tcj::web
