#include "connect/lifecycle.hpp"

#include "connect/descriptor.hpp"
#include "connect/lifecycle_payload.hpp"
#include "core/url.hpp"

namespace tcj::connect {
namespace {

using http::AuthKind;
using http::Request;
using http::Response;

constexpr std::size_t kLifecycleBodyLimit = 64 * 1024;

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

std::string HostOf(const std::string& url) {
  auto parsed = core::ParseUrl(url);
  return parsed ? parsed->host : "";
}

}  // namespace

void AddLifecycleRoutes(http::Router& router, tenants::ConnectRegistry& registry, const std::string& app_key,
                        const core::Logger& log, const LifecycleHooks& hooks) {
  router.Add({.method = "POST",
              .pattern = LifecyclePaths::kInstalled,
              .auth = {AuthKind::connect_install},
              .max_body_bytes = kLifecycleBodyLimit,
              .handler = [&registry, app_key, log, hooks](Request& request) {
                // The authenticator has parsed and verified this body already; it cannot fail here.
                auto payload = ParseLifecyclePayload(request.body, "installed", app_key);
                if (!payload) return Response::Error(400, "bad_request", payload.error().message);
                const auto outcome = registry.Install(tenants::Installation{
                    payload->client_key, std::move(*payload->shared_secret), payload->base_url,
                    payload->display_url, payload->oauth_client_id});
                log.Info("connect.installed", {{"tenant", outcome.tenant.str()},
                                               {"first_install", outcome.created},
                                               {"site", HostOf(payload->base_url)},
                                               {"request_id", request.request_id}});
                if (hooks.changed) hooks.changed(outcome.tenant, "installed", request);
                return NoContent();
              }});
  router.Add({.method = "POST",
              .pattern = LifecyclePaths::kUninstalled,
              .auth = {AuthKind::connect_install},
              .max_body_bytes = kLifecycleBodyLimit,
              .handler = [&registry, app_key, log, hooks](Request& request) {
                auto payload = ParseLifecyclePayload(request.body, "uninstalled", app_key);
                if (!payload) return Response::Error(400, "bad_request", payload.error().message);
                const auto tenant = registry.Find(payload->client_key);
                if (!registry.Uninstall(payload->client_key) || !tenant) {
                  log.Info("connect.uninstall_unknown", {{"request_id", request.request_id}});
                  return NoContent();
                }
                if (hooks.uninstalled) hooks.uninstalled(tenant->id);
                if (hooks.changed) hooks.changed(tenant->id, "uninstalled", request);
                log.Info("connect.uninstalled", {{"tenant", tenant->id.str()}, {"request_id", request.request_id}});
                return NoContent();
              }});
  for (const bool enabled : {true, false}) {
    const char* event = enabled ? "enabled" : "disabled";
    router.Add({.method = "POST",
                .pattern = enabled ? LifecyclePaths::kEnabled : LifecyclePaths::kDisabled,
                .auth = {AuthKind::connect_jwt},
                .max_body_bytes = kLifecycleBodyLimit,
                .handler = [&registry, app_key, log, hooks, enabled, event](Request& request) {
                  auto payload = ParseLifecyclePayload(request.body, event, app_key);
                  if (!payload) return Response::Error(400, "bad_request", payload.error().message);
                  // A site may only speak for itself.
                  if (payload->client_key != request.principal.client_key) {
                    log.Info("connect.lifecycle_for_other_site", {{"request_id", request.request_id}});
                    return Response::Error(403, "forbidden", "The token does not belong to this site.");
                  }
                  registry.SetEnabled(payload->client_key, enabled);
                  if (hooks.changed && request.principal.tenant) hooks.changed(*request.principal.tenant, event, request);
                  log.Info(enabled ? "connect.enabled" : "connect.disabled",
                           {{"tenant", request.principal.tenant ? request.principal.tenant->str() : ""},
                            {"request_id", request.request_id}});
                  return NoContent();
                }});
  }
}

}  // namespace tcj::connect
