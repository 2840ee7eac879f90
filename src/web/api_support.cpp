#include "web/api_support.hpp"

#include <nlohmann/json.hpp>

#include "core/uuid.hpp"

namespace tcj::web {

using http::Request;
using http::Response;

Response FieldError(std::string_view field, std::string_view message) {
  const nlohmann::json body = {{"error", {{"code", "invalid_input"}, {"message", message}, {"field", field}}}};
  return Response::Json(400, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<Response> ReadStringList(const nlohmann::json& doc, const char* field, std::vector<std::string>& out) {
  const auto it = doc.find(field);
  if (it == doc.end()) return std::nullopt;
  if (!it->is_array()) return FieldError(field, "must be a list of strings");
  out.clear();
  for (const auto& v : *it) {
    if (!v.is_string()) return FieldError(field, "must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return std::nullopt;
}

Response ErrorResponse(const core::Error& error) {
  if (error.kind == core::ErrorKind::invalid_input && !error.field.empty()) return FieldError(error.field, error.message);
  int status = 500;
  switch (error.kind) {
    case core::ErrorKind::invalid_input:
      status = 400;
      break;
    case core::ErrorKind::not_found:
      status = 404;
      break;
    case core::ErrorKind::conflict:
      status = 409;
      break;
    case core::ErrorKind::forbidden:
      status = 403;
      break;
    case core::ErrorKind::unavailable:
    case core::ErrorKind::timeout:
      status = 503;
      break;
    default:
      break;
  }
  // TeamCity's failures are about another server: a gateway error, with TeamCity's words.
  if (error.code.starts_with("teamcity.") || error.code.starts_with("http.")) status = 502;
  return Response::Error(status, error.code, error.message);
}

Response ServerNotFound() {
  return Response::Error(404, "not_found", "No such TeamCity server.");
}

http::Handler AdminOnly(AdminAccess& access, std::function<Response(Request&)> handler) {
  return [&access, handler = std::move(handler)](Request& request) {
    if (auto denied = access.Require(request)) return std::move(*denied);
    return handler(request);
  };
}

http::Handler AdminOnServer(AdminAccess& access, std::function<Response(Request&, const core::ServerId&)> handler) {
  return [&access, handler = std::move(handler)](Request& request) {
    if (auto denied = access.Require(request)) return std::move(*denied);
    const std::string id(*request.PathParam("id"));
    if (!core::IsUuid(id)) return ServerNotFound();
    return handler(request, core::ServerId(id));
  };
}

}  // namespace tcj::web
