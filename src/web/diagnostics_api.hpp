// web: "why isn't my build in Jira?": the reports of builds found by issue key or TeamCity build, each
// server's recent builds and recent events. Administrators only, in the caller's tenant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

// What the diagnostics search box understood: an issue key (upper-cased) or a TeamCity build id
// (typed, or taken from a build's URL). nullopt when it is neither.
struct DiagnosticsQuery {
  enum class Kind { issue_key, build_id };
  Kind kind = Kind::issue_key;
  core::IssueKey key;
  core::BuildId build_id;
};
std::optional<DiagnosticsQuery> ParseDiagnosticsQuery(std::string_view text);

//   GET /api/v1/diagnostics?q=ABC-123 | 4567 | https://tc/buildConfiguration/X/4567
//   GET /api/v1/servers/{id}/builds?limit=20
//   GET /api/v1/servers/{id}/events?limit=50
void AddDiagnosticsRoutes(http::Router& router, db::Pool& pool, AdminAccess& access);

}  // namespace tcj::web
