#include "web/sync_api.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/uuid.hpp"
#include "sync/backfill.hpp"
#include "sync/events.hpp"
#include "sync/server_state.hpp"
#include "sync/status.hpp"
#include "web/api_support.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json SettingsJson(const sync::SyncSettings& s) {
  return {{"projects", s.projects ? json(*s.projects) : json(nullptr)},
          {"project_keys", s.project_keys},
          {"deployment_rules", json::parse(sync::EnvironmentRulesJson(s.deployment_rules))}};
}

// PUT replaces what the body names and keeps the rest.
std::optional<Response> ParseSettings(const std::string& body, sync::SyncSettings& settings) {
  const json doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return FieldError("", "the body must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "projects" && key != "project_keys" && key != "deployment_rules")
      return FieldError(key, "unknown field");
  }
  if (const auto it = doc.find("projects"); it != doc.end()) {
    if (it->is_null()) {
      settings.projects.reset();
    } else {
      std::vector<std::string> projects;
      if (auto bad = ReadStringList(doc, "projects", projects)) return bad;
      settings.projects = std::move(projects);
    }
  }
  if (auto bad = ReadStringList(doc, "project_keys", settings.project_keys)) return bad;
  if (const auto it = doc.find("deployment_rules"); it != doc.end()) {
    auto rules = sync::ParseEnvironmentRules(it->dump());
    if (!rules) return FieldError("deployment_rules", rules.error().message);
    settings.deployment_rules = std::move(*rules);
  }
  return std::nullopt;
}

Response SettingsError(const core::Error& e) {
  if (e.kind == core::ErrorKind::not_found) return ServerNotFound();
  return ErrorResponse(e);
}

}  // namespace

std::string PresentedWebhookSecret(const Request& request) {
  if (const auto pw = request.headers.Get("php-auth-pw")) return std::string(*pw);
  const auto authorization = request.headers.Get("Authorization");
  if (!authorization) return "";
  std::string_view value = *authorization;
  if (value.starts_with("Bearer ")) return std::string(value.substr(7));
  if (value.starts_with("Basic ")) {
    const auto decoded = core::Base64Decode(value.substr(6));
    if (!decoded) return "";
    const auto colon = decoded->find(':');
    return colon == std::string::npos ? "" : decoded->substr(colon + 1);
  }
  return "";
}

bool WebhookAuthenticator::Recognizes(const Request& request) const {
  return !PresentedWebhookSecret(request).empty();
}

std::optional<Response> WebhookAuthenticator::Authenticate(Request& request) const {
  const auto server = request.PathParam("server");
  const std::string presented = PresentedWebhookSecret(request);
  std::optional<core::TenantId> tenant;
  if (server && !presented.empty()) tenant = servers_.WebhookTenant(core::ServerId(std::string(*server)), presented);
  if (!tenant) {
    rejections_.Labels({"webhook_secret", "refused"}).Inc();
    log_.Info("auth.webhook_refused", {{"request_id", request.request_id}});
    Response r = Response::Error(401, "unauthenticated", "The webhook secret is missing or wrong.");
    r.headers.Set("WWW-Authenticate", "Bearer realm=\"teamcity-jira webhooks\"");
    return r;
  }
  request.principal.kind = "webhook_secret";
  request.principal.tenant = *tenant;
  request.principal.subject = std::string(*server);
  return std::nullopt;
}

void AddSyncRoutes(http::Router& router, sync::SyncContext& sync, tenants::ServerStore& servers, AdminAccess& access,
                   const AuditTrail& audit, std::string public_url) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/status",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&sync, counts = std::make_shared<sync::BuildCountsCache>()](
                                                   Request& r, const core::ServerId& id) {
                const auto status = core::IsUuid(id.str()) ? sync::ServerStatusJson(sync.pool, *r.principal.tenant, id,
                                                                                    *counts, sync.clock.Now())
                                                           : std::nullopt;
                return status ? Response::Json(200, *status) : ServerNotFound();
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/backfill",
              .auth = kAdminAuth,
              .max_body_bytes = 4 * 1024,
              .handler = AdminOnServer(access, [&sync, &servers, &audit](Request& r, const core::ServerId& id) {
                const auto server = servers.Get(*r.principal.tenant, id);
                if (!server) return ServerNotFound();
                int days = sync.options.backfill_days;
                if (!r.body.empty()) {
                  const json doc = json::parse(r.body, nullptr, false);
                  if (!doc.is_object()) return FieldError("", "the body must be a JSON object");
                  for (const auto& [key, value] : doc.items()) {
                    if (key != "days") return FieldError(key, "unknown field");
                  }
                  if (doc.contains("days")) {
                    if (!doc["days"].is_number_integer()) return FieldError("days", "must be a whole number of days");
                    const auto value = doc["days"].get<std::int64_t>();
                    days = value < 1 || value > sync::kMaxBackfillDays ? 0 : static_cast<int>(value);
                  }
                }
                if (auto requested = sync::RequestBackfill(sync, *r.principal.tenant, id, days); !requested) {
                  return SettingsError(requested.error());
                }
                audit.Record(r, "server.backfill_requested", id.str(), {{"name", server->name}, {"days", days}});
                return Response::Json(202, json{{"status", "queued"}, {"days", days}}.dump());
              })});

  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/settings",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&sync](Request& r, const core::ServerId& id) {
                const auto settings =
                    core::IsUuid(id.str()) ? sync::LoadSyncSettings(sync.pool, *r.principal.tenant, id) : std::nullopt;
                return settings ? Response::Json(200, SettingsJson(*settings).dump()) : ServerNotFound();
              })});

  router.Add({.method = "PUT",
              .pattern = "/api/v1/servers/{id}/settings",
              .auth = kAdminAuth,
              .max_body_bytes = 256 * 1024,
              .handler = AdminOnServer(access, [&sync, &servers, &audit](Request& r, const core::ServerId& id) {
                auto settings =
                    core::IsUuid(id.str()) ? sync::LoadSyncSettings(sync.pool, *r.principal.tenant, id) : std::nullopt;
                const auto server = servers.Get(*r.principal.tenant, id);
                if (!settings || !server) return ServerNotFound();
                const json before = SettingsJson(*settings);
                if (auto bad = ParseSettings(r.body, *settings)) return std::move(*bad);
                if (auto saved = sync::SaveSyncSettings(sync.pool, *r.principal.tenant, id, *settings); !saved) {
                  return SettingsError(saved.error());
                }
                sync::RecordEvent(sync.pool, *r.principal.tenant, id, sync::EventLevel::info, "settings_changed",
                                  "What to sync was changed; it applies from the next poll.");
                const json after = SettingsJson(*settings);
                audit.Record(r, "server.settings_changed", id.str(),
                             {{"name", server->name}, {"before", before}, {"after", after}});
                return Response::Json(200, after.dump());
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/webhook",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&servers, &audit, public_url = std::move(public_url)](
                                                   Request& r, const core::ServerId& id) {
                const auto server = servers.Get(*r.principal.tenant, id);
                if (!server) return ServerNotFound();
                auto secret = servers.RotateWebhookSecret(*r.principal.tenant, id);
                if (!secret) return ServerNotFound();
                audit.Record(r, "server.webhook_secret_rotated", id.str(), {{"name", server->name}});
                json body = {{"url", public_url + "/webhooks/teamcity/" + id.str()},
                             {"secret", std::string(secret->reveal())},
                             {"note",
                              "Shown once. TeamCity: set teamcity.internal.webhooks.url to the URL and "
                              "teamcity.internal.webhooks.password to the secret (any user name)."}};
                Response res = Response::Json(200, body.dump());
                res.headers.Set("Cache-Control", "no-store");
                return res;
              })});

  router.Add({.method = "POST",
              .pattern = "/webhooks/teamcity/{server}",
              .auth = {http::AuthKind::webhook_secret},
              // Authenticated on its headers before the body is read; the body is only a hint
              // (which build changed), never read, so a small one is enough.
              .max_body_bytes = kWebhookBodyLimit,
              .handler = [&sync](Request& r) {
                const core::ServerId id(std::string(*r.PathParam("server")));
                sync.queue.RunNow(*r.principal.tenant, sync::PollKey(id));
                if (sync.wake_workers) sync.wake_workers();
                return Response::Json(202, R"({"status":"poll_requested"})");
              }});
}

}  // namespace tcj::web
