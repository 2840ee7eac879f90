#include "forge/lifecycle.hpp"

#include <nlohmann/json.hpp>

#include "forge/authenticator.hpp"
#include "forge/invocation_token.hpp"

namespace tcj::forge {
namespace {

using http::AuthKind;
using http::Request;
using http::Response;
using nlohmann::json;

constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr std::string_view kInstalledEvent = "avi:forge:installed:app";
constexpr std::string_view kUpgradedEvent = "avi:forge:upgraded:app";

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Response BadBody(std::string_view why) {
  return Response::Error(400, "bad_request", why);
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// An id as Forge writes it in a payload: the bare uuid or the whole ARI.
bool SameId(const json& stated, const std::string& ari) {
  if (!stated.is_string()) return false;
  const auto& id = stated.get_ref<const std::string&>();
  return id == ari || (ari.size() > id.size() && ari.ends_with("/" + id));
}

// The body's object, or the reason it is refused: not JSON, not an object, or naming another
// site (context.cloudId) than the token.
struct Body {
  json value;
  std::string refused;
};
Body ReadBody(const Request& request, const Invocation& invocation) {
  Body body{json::parse(request.body, nullptr, /*allow_exceptions=*/false), ""};
  if (!body.value.is_object()) {
    body.refused = "The body must be a JSON object.";
  } else if (const json& cloud = Member(Member(body.value, "context"), "cloudId");
             !cloud.is_null() && (!cloud.is_string() || cloud.get_ref<const std::string&>() != invocation.cloud_id)) {
    body.refused = "The body names another Jira site than its invocation token.";
  }
  return body;
}

tenants::ForgeInstallation InstallationOf(const Invocation& invocation) {
  return {invocation.installation_id, invocation.cloud_id,     invocation.app_id, invocation.environment_type,
          invocation.environment_id,  invocation.api_base_url, invocation.site_url};
}

// The lifecycle event of a body: payload.eventType when Forge names it; otherwise an upgrade is
// told apart by what only its payload has (Forge documents the payloads, not the envelope).
std::string EventOf(const json& payload) {
  if (const json& type = Member(payload, "eventType"); type.is_string()) return type.get<std::string>();
  const bool upgraded = !Member(payload, "upgraderAccountId").is_null() || !Member(payload, "permissions").is_null();
  return std::string(upgraded ? kUpgradedEvent : kInstalledEvent);
}

}  // namespace

void AddLifecycleRoutes(http::Router& router, tenants::ForgeRegistry& registry, const ForgeLifecycleHooks& hooks,
                        const core::Logger& log) {
  // Installs (idempotently), keeps the token that came along and tells the hooks.
  const auto install = [&registry, hooks, log](const Invocation& invocation, std::string_view event,
                                               const Request& request) {
    const auto outcome = registry.Install(InstallationOf(invocation));
    KeepSystemToken(registry, outcome.tenant, invocation, request, log);
    log.Info("forge.installed", {{"tenant", outcome.tenant.str()},
                                 {"event", event},
                                 {"first_install", outcome.created},
                                 {"moved_from", outcome.moved_from ? tenants::ToString(*outcome.moved_from) : ""},
                                 {"request_id", request.request_id}});
    if (hooks.installed) hooks.installed(outcome, event, request);
  };

  router.Add({.method = "POST",
              .pattern = LifecyclePaths::kLifecycle,
              .auth = {AuthKind::forge_lifecycle},
              .max_body_bytes = kBodyLimit,
              .handler = [&registry, log, install](Request& request) {
                const auto& invocation = std::any_cast<const Invocation&>(request.principal.verified);
                const Body body = ReadBody(request, invocation);
                if (!body.refused.empty()) return BadBody(body.refused);
                const json& payload = Member(body.value, "payload");
                if (!payload.is_null() && !payload.is_object()) return BadBody("payload must be a JSON object.");
                const std::string event = EventOf(payload);
                if (event != kInstalledEvent && event != kUpgradedEvent) {
                  return BadBody("Only the events avi:forge:installed:app and avi:forge:upgraded:app are handled.");
                }
                if (const json& id = Member(payload, "id"); !id.is_null() && !SameId(id, invocation.installation_id)) {
                  return BadBody("The event names another installation than its invocation token.");
                }
                if (const json& app = Member(Member(payload, "app"), "id"); !app.is_null() && !SameId(app, invocation.app_id)) {
                  return BadBody("The event names another app than its invocation token.");
                }
                if (const auto known = registry.Find(invocation.installation_id); known && known->state != "active") {
                  // Installation ids change with every reinstall: an event for one that left is a
                  // late retry from before its preUninstall, and must not bring it back.
                  log.Info("forge.event_ignored", {{"tenant", known->tenant.str()},
                                                   {"installation", invocation.installation_id},
                                                   {"request_id", request.request_id}});
                  return NoContent();
                }
                install(invocation, event == kInstalledEvent ? "installed" : "upgraded", request);
                return NoContent();
              }});

  // The hourly trigger: its point is the fresh system token it carries.
  router.Add({.method = "POST",
              .pattern = LifecyclePaths::kTick,
              .auth = {AuthKind::forge_lifecycle},
              .max_body_bytes = kBodyLimit,
              .handler = [&registry, hooks, log, install](Request& request) {
                const auto& invocation = std::any_cast<const Invocation&>(request.principal.verified);
                const Body body = ReadBody(request, invocation);
                if (!body.refused.empty()) return BadBody(body.refused);
                const auto known = registry.Find(invocation.installation_id);
                if (!known) {
                  // Every delivery of the installed event failed: the first tick installs instead.
                  install(invocation, "tick", request);
                } else if (known->state == "active" && known->tenant_state != "uninstalled") {
                  if (KeepSystemToken(registry, known->tenant, invocation, request, log) && hooks.token_arrived) {
                    hooks.token_arrived(known->tenant);
                  }
                } else {
                  // Only an installed event brings an installation back; a late tick does not.
                  log.Info("forge.tick_ignored", {{"tenant", known->tenant.str()},
                                                  {"installation", invocation.installation_id},
                                                  {"request_id", request.request_id}});
                }
                return NoContent();
              }});

  router.Add({.method = "POST",
              .pattern = LifecyclePaths::kPreUninstall,
              .auth = {AuthKind::forge_lifecycle},
              .max_body_bytes = kBodyLimit,
              .handler = [&registry, hooks, log](Request& request) {
                const auto& invocation = std::any_cast<const Invocation&>(request.principal.verified);
                const Body body = ReadBody(request, invocation);
                if (!body.refused.empty()) return BadBody(body.refused);
                const auto outcome = registry.Uninstall(invocation.installation_id);
                if (!outcome) {
                  log.Info("forge.uninstall_unknown", {{"request_id", request.request_id}});
                  return NoContent();
                }
                log.Info("forge.uninstalled", {{"tenant", outcome->tenant.str()},
                                               {"site_uninstalled", outcome->site_uninstalled},
                                               {"request_id", request.request_id}});
                if (outcome->site_uninstalled && hooks.uninstalled) hooks.uninstalled(outcome->tenant, request);
                return NoContent();
              }});
}

}  // namespace tcj::forge
