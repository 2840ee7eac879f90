// web: what every admin API route shares: who may call it, and the shape of its errors.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "http/router.hpp"
#include "web/admin_access.hpp"

namespace tcj::web {

// A Connect context token or a Forge UI call of a Jira administrator, or a local admin token or
// session. Each recognises only its own credentials (a JWT-shaped bearer token is Forge's).
// NOLINTNEXTLINE(cert-err58-cpp): three elements allocated before main; no one could catch bad_alloc there
inline const std::vector<http::AuthKind> kAdminAuth = {http::AuthKind::connect_context, http::AuthKind::forge,
                                                      http::AuthKind::local_admin};

// 400 {"error": {"code": "invalid_input", "message", "field"}}.
http::Response FieldError(std::string_view field, std::string_view message);
// Reads doc[field] into out when present; a 400 naming the field when it is not a list of strings.
std::optional<http::Response> ReadStringList(const nlohmann::json& doc, const char* field,
                                             std::vector<std::string>& out);

// The status that fits the error's kind (400, 403, 404, 409, 502 for TeamCity, 503), its code and message.
http::Response ErrorResponse(const core::Error& error);
// 404 for a server that does not exist in the caller's tenant (or is not a server id at all).
http::Response ServerNotFound();

// Runs handler for administrators only.
http::Handler AdminOnly(AdminAccess& access, std::function<http::Response(http::Request&)> handler);
// The same for routes under /api/v1/servers/{id}: a malformed id is a 404 before the handler runs.
http::Handler AdminOnServer(AdminAccess& access,
                            std::function<http::Response(http::Request&, const core::ServerId&)> handler);

}  // namespace tcj::web
