#include "web/audit_trail.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "db/error.hpp"
#include "core/uri.hpp"
#include "web/api_support.hpp"

namespace tcj::web {
namespace {

std::optional<std::int64_t> WholeNumber(std::string_view text) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

tenants::Actor AuditTrail::ActorOf(const http::Request& request) {
  const auto& p = request.principal;
  const auto kind = p.kind == "local_admin" ? tenants::ActorKind::admin_token : tenants::ActorKind::jira_user;
  return {kind, p.subject, request.client_address.empty() ? request.remote_address : request.client_address};
}

void AuditTrail::Record(const http::Request& request, std::string_view action, std::string_view target,
                        const nlohmann::json& detail) const {
  if (!request.principal.tenant) return;
  Record(*request.principal.tenant, ActorOf(request), action, target, detail);
}

void AuditTrail::Record(const core::TenantId& tenant, const tenants::Actor& actor, std::string_view action,
                        std::string_view target, const nlohmann::json& detail) const {
  const std::string detail_json = detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string error;
  try {
    tenants::RecordAudit(pool_, tenant, actor, {std::string(action), std::string(target), detail_json});
  } catch (const db::DbError& e) {
    error = e.what();
  }
  log_.Log(error.empty() ? core::LogLevel::info : core::LogLevel::error,
           error.empty() ? "audit.recorded" : "audit.write_failed",
           {{"tenant", tenant.str()},
            {"actor_kind", tenants::ToString(actor.kind)},
            {"actor", actor.id},
            {"client_address", actor.client_address},
            {"action", action},
            {"target", target},
            {"detail", detail_json},
            {"error", error}});
}

void AddAuditRoutes(http::Router& router, const AuditTrail& audit, AdminAccess& access) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/audit",
              .auth = kAdminAuth,
              .handler = AdminOnly(access, [&audit](http::Request& r) {
                int limit = 50;
                std::optional<std::int64_t> before;
                const auto query = core::ParseQuery(r.query);
                if (!query) return FieldError("", "the query string is not valid");
                for (const auto& [key, value] : *query) {
                  const auto n = WholeNumber(value);
                  if (key == "limit") {
                    if (!n || *n < 1 || *n > 200) return FieldError("limit", "must be a whole number from 1 to 200");
                    limit = static_cast<int>(*n);
                  } else if (key == "before") {
                    if (!n || *n < 1) return FieldError("before", "must be an event id");
                    before = *n;
                  } else {
                    return FieldError(key, "unknown parameter");
                  }
                }
                http::Response res = http::Response::Json(
                    200, tenants::AuditEventsJson(audit.pool(), *r.principal.tenant, limit, before));
                res.headers.Set("Cache-Control", "no-store");
                return res;
              })});
}

}  // namespace tcj::web
