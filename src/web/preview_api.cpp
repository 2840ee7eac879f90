#include "web/preview_api.hpp"

#include <nlohmann/json.hpp>

#include "sync/preview.hpp"
#include "web/api_support.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Fails with the response to send when the body is not a JSON object (an empty body is {}).
std::variant<json, Response> BodyObject(const Request& request) {
  if (request.body.empty()) return json::object();
  json doc = json::parse(request.body, nullptr, false);
  if (!doc.is_object()) return FieldError("", "the body must be a JSON object");
  return doc;
}

std::optional<Response> ReadRules(const json& doc, std::optional<std::vector<sync::EnvironmentRule>>& out,
                                  const std::string& field_path) {
  const auto it = doc.find("deployment_rules");
  if (it == doc.end()) return std::nullopt;
  auto rules = sync::ParseEnvironmentRules(it->dump());
  if (!rules) return FieldError(field_path, rules.error().message);
  out = std::move(*rules);
  return std::nullopt;
}

Response FromResult(const core::Result<std::string>& result) {
  return result ? Response::Json(200, *result) : ErrorResponse(result.error());
}

std::optional<Response> ParsePreview(const json& doc, sync::PreviewRequest& request) {
  for (const auto& [key, value] : doc.items()) {
    if (key != "branch" && key != "message" && key != "build_id" && key != "settings") {
      return FieldError(key, "unknown field");
    }
  }
  for (const char* field : {"branch", "message"}) {
    const auto it = doc.find(field);
    if (it == doc.end() || it->is_null()) continue;
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 64 * 1024) {
      return FieldError(field, "must be text of at most 64 KiB");
    }
    (std::string_view(field) == "branch" ? request.branch : request.message) = it->get<std::string>();
  }
  if (const auto it = doc.find("build_id"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) return FieldError("build_id", "must be a build id");
    request.build_id = core::BuildId(it->get<std::int64_t>());
  }
  if (!request.build_id && !request.branch && !request.message) {
    return FieldError("branch", "give a branch name, a commit message or a build id");
  }
  if (const auto it = doc.find("settings"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError("settings", "must be an object");
    if (it->contains("project_keys")) {
      std::vector<std::string> keys;
      if (auto bad = ReadStringList(*it, "project_keys", keys)) return bad;
      request.project_keys = std::move(keys);
    }
    if (auto bad = ReadRules(*it, request.deployment_rules, "settings.deployment_rules")) return bad;
  }
  return std::nullopt;
}

}  // namespace

void AddPreviewRoutes(http::Router& router, sync::SyncContext& sync, AdminAccess& access) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/projects",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&sync](Request& r, const core::ServerId& id) {
                return FromResult(sync::ProjectsJson(sync, *r.principal.tenant, id));
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/environments",
              .auth = kAdminAuth,
              .max_body_bytes = 256 * 1024,
              .handler = AdminOnServer(access, [&sync](Request& r, const core::ServerId& id) {
                auto body = BodyObject(r);
                if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
                const json& doc = std::get<json>(body);
                for (const auto& [key, value] : doc.items()) {
                  if (key != "deployment_rules") return FieldError(key, "unknown field");
                }
                std::optional<std::vector<sync::EnvironmentRule>> rules;
                if (auto bad = ReadRules(doc, rules, "deployment_rules")) return std::move(*bad);
                return FromResult(sync::EnvironmentsJson(sync, *r.principal.tenant, id, rules));
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/preview",
              .auth = kAdminAuth,
              .max_body_bytes = 256 * 1024,
              .handler = AdminOnServer(access, [&sync](Request& r, const core::ServerId& id) {
                auto body = BodyObject(r);
                if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
                sync::PreviewRequest request;
                if (auto bad = ParsePreview(std::get<json>(body), request)) return std::move(*bad);
                return FromResult(sync::PreviewJson(sync, *r.principal.tenant, id, request));
              })});
}

}  // namespace tcj::web
