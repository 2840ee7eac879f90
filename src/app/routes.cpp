#include "app/routes.hpp"

#include <nlohmann/json.hpp>

#include "app/services.hpp"
#include "connect/descriptor.hpp"
#include "connect/lifecycle.hpp"
#include "core/url.hpp"
#include "db/error.hpp"
#include "forge/authenticator.hpp"
#include "forge/lifecycle.hpp"
#include "sync/server_removal.hpp"
#include "web/audit_trail.hpp"
#include "web/diagnostics_api.hpp"
#include "web/issue_panel.hpp"
#include "web/local_admin_auth.hpp"
#include "web/pages.hpp"
#include "web/preview_api.hpp"
#include "web/relay_api.hpp"
#include "web/servers_api.hpp"
#include "web/session_api.hpp"
#include "web/site_api.hpp"
#include "web/sync_api.hpp"

namespace tcj::app {

using http::AuthKind;
using http::Execution;
using http::RateLimit;
using http::Request;
using http::Response;

web::PageOptions PageOptionsFrom(const config::Config& config) {
  return {.all_js_url = config.connect.all_js_url,
          .jira_site_hosts = config.jira.allowed_site_hosts,
          .allow_http_sites = config.jira.allow_http_sites};
}

void AddPublicRoutes(http::Router& router, std::string descriptor_json, ReadinessProbe readiness) {
  // Liveness: the process answers. Says nothing else (it is anonymous).
  router.Add({.method = "GET",
              .pattern = "/healthz",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .rate_limit = RateLimit::none,
              .handler = [](Request&) { return Response::Json(200, R"({"status":"ok"})"); }});

  // Readiness: the database is reachable, its schema is current, and we are not shutting down.
  router.Add({.method = "GET",
              .pattern = "/readyz",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .rate_limit = RateLimit::none,
              .handler = [readiness = std::move(readiness)](Request&) {
                const std::string reason = readiness();
                if (reason.empty()) return Response::Json(200, R"({"status":"ready"})");
                Response r = Response::Json(503, R"({"status":"not_ready","reason":")" + reason + "\"}");
                r.headers.Set("Retry-After", "5");
                return r;
              }});

  router.Add({.method = "GET",
              .pattern = "/atlassian-connect.json",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .rate_limit = RateLimit::none,
              .handler = [descriptor = std::move(descriptor_json)](Request&) {
                Response r = Response::Json(200, descriptor);
                r.headers.Set("Cache-Control", "no-cache");
                return r;
              }});
}

void AddJiraFacingRoutes(http::Router& router, Services& services) {
  const connect::ConnectAuthContext context = services.ConnectContext();
  using Mode = connect::ConnectJwtAuthenticator::QshMode;
  router.SetAuthenticator(AuthKind::connect_install,
                          std::make_shared<connect::ConnectInstallAuthenticator>(context, services.install_keys));
  router.SetAuthenticator(AuthKind::connect_jwt, std::make_shared<connect::ConnectJwtAuthenticator>(
                                                     context, services.connect_registry, Mode::computed));
  router.SetAuthenticator(AuthKind::connect_context, std::make_shared<connect::ConnectJwtAuthenticator>(
                                                         context, services.connect_registry, Mode::context));
  const auto cookie = web::SessionCookieSpec::ForPublicUrl(services.config.server.public_url);
  router.SetAuthenticator(AuthKind::local_admin, std::make_shared<web::LocalAdminAuthenticator>(
                                                     services.admin_tokens, services.admin_sessions, cookie,
                                                     context.log, services.auth_metrics.rejections));
  router.SetAuthenticator(AuthKind::webhook_secret,
                          std::make_shared<web::WebhookAuthenticator>(services.servers, context.log,
                                                                      services.auth_metrics.rejections));
  router.SetAuthenticator(AuthKind::relay_token,
                          std::make_shared<relay::RelayAuthenticator>(services.relay_tokens, context.log));
  relay::AddRelayRoutes(router, services.relays);
  sync::Engine& engine = services.sync_engine;
  const web::AuditTrail& audit = services.audit;
  AddForgeRoutes(router, services);
  connect::AddLifecycleRoutes(
      router, services.connect_registry, services.config.connect.app_key,
      services.log.With({{"component", "connect"}}),
      {.uninstalled = [&engine](const core::TenantId& t) { engine.TenantUninstalled(t); },
       .changed = [&audit, &engine](const core::TenantId& t, std::string_view event, const Request& r) {
         audit.Record(t, {tenants::ActorKind::atlassian, r.principal.client_key, r.client_address},
                      "site." + std::string(event), "", nlohmann::json::object());
         if (event == "installed") engine.LearnCloudIdsSoon();  // for a move to Forge later on
       }});
  web::AddServerRoutes(
      router, services.servers, services.admin_access, audit, services.teamcity_http,
      {.added = [&engine](const core::TenantId& t, const core::ServerId& s) { engine.ServerAdded(t, s); },
       .remove = [&engine](const core::TenantId& t,
                           const core::ServerId& s) { return sync::RequestServerRemoval(engine.context(), t, s); },
       .relay_transport = [&services](const core::TenantId& t,
                                      const core::ServerId& s) { return services.relays.TransportFor(t, s); }},
      http::UrlPolicy::ForTeamCity(services.config.teamcity.allow_private_networks));
  web::AddSyncRoutes(router, engine.context(), services.servers, services.admin_access, audit,
                     services.config.server.public_url);
  web::AddAuditRoutes(router, audit, services.admin_access);
  web::AddSiteRoutes(router, services.tenants, services.forge_registry, services.admin_access, services.clock);
  web::AddPreviewRoutes(router, engine.context(), services.admin_access);
  web::AddDiagnosticsRoutes(router, services.pool, services.admin_access);
  web::AddRelayAdminRoutes(router, services.relay_tokens, services.admin_access, audit);
  web::AddSessionRoutes(router, services.admin_tokens, services.admin_sessions, services.tenants, audit, cookie);

  const config::Config& config = services.config;
  const web::PageOptions pages = PageOptionsFrom(config);
  web::AddPageRoutes(router, pages);
  // Anonymous, cheap and fetched by every browser that opens the pages: not limited. Failed
  // sign-ins are, far more strictly than anything else (admin-token guessing).
  router.SetRateLimit("GET", "/admin", RateLimit::none);
  router.SetRateLimit("GET", "/static/{name}", RateLimit::none);
  router.SetRateLimit("POST", "/api/v1/session", RateLimit::sign_in);
  web::AddIssuePanelRoute(
      router, services.issue_builds, services.tenants,
      {.page = pages, .app_key = config.connect.app_key, .configure_module = std::string(connect::kConfigureModule)});
}

void AddForgeRoutes(http::Router& router, Services& services) {
  using Mode = forge::ForgeAuthenticator::Installation;
  const core::Logger log = services.log.With({{"component", "forge"}});
  sync::Engine& engine = services.sync_engine;
  const web::AuditTrail& audit = services.audit;
  router.SetAuthenticator(AuthKind::forge, std::make_shared<forge::ForgeAuthenticator>(
                                               Mode::known, services.forge_keys, services.forge_registry,
                                               services.ForgePolicy(), services.clock, log,
                                               [&engine](const core::TenantId& t) { engine.TenantCanSend(t); }));
  router.SetAuthenticator(AuthKind::forge_lifecycle,
                          std::make_shared<forge::ForgeAuthenticator>(Mode::may_be_new, services.forge_keys,
                                                                      services.forge_registry,
                                                                      services.ForgePolicy(), services.clock, log));
  const auto record = [&audit](const core::TenantId& t, std::string_view action, const Request& r,
                               const nlohmann::json& details) {
    audit.Record(t, {tenants::ActorKind::atlassian, r.principal.installation, r.client_address}, std::string(action),
                 "", details);
  };
  forge::AddLifecycleRoutes(
      router, services.forge_registry,
      {.installed =
           [&engine, &registry = services.forge_registry, record](const tenants::ForgeInstallOutcome& outcome,
                                                                   std::string_view event, const Request& r) {
             nlohmann::json details = nlohmann::json::object();
             if (outcome.moved_from) details["moved_from"] = tenants::ToString(*outcome.moved_from);
             record(outcome.tenant, "site.forge_" + std::string(event), r, details);
             engine.TenantInstalled(outcome.tenant);
             if (outcome.resend_from) {
               engine.ResendThroughForge(outcome.tenant, *outcome.resend_from);
               registry.ResendQueued(outcome.tenant, r.principal.installation);
             }
           },
       .token_arrived = [&engine](const core::TenantId& t) { engine.TenantCanSend(t); },
       .uninstalled =
           [&engine, record](const core::TenantId& t, const Request& r) {
             engine.TenantUninstalled(t);
             record(t, "site.uninstalled", r, nlohmann::json::object());
           }},
      log);
  // Forge calls from Atlassian's few egress addresses, for every site at once: a limit per client
  // address would let one busy site starve the others' lifecycle events.
  for (const char* path : {forge::LifecyclePaths::kLifecycle, forge::LifecyclePaths::kTick,
                           forge::LifecyclePaths::kPreUninstall}) {
    router.SetRateLimit("POST", path, RateLimit::none);
  }
}

void SetPublicPolicies(http::Router& router, const std::string& public_url, core::Logger log) {
  if (const auto url = core::ParseUrl(public_url)) router.SetOwnOrigin(url->Origin());
  // The one place a request's database failure becomes its answer, whichever step threw it
  // (authentication, the admin check, the handler).
  router.SetExceptionMapper([log = std::move(log)](const std::exception& e, const Request& request,
                                                   const http::Route& route) -> std::optional<Response> {
    const auto* db_error = dynamic_cast<const db::DbError*>(&e);
    if (db_error == nullptr) return std::nullopt;
    log.Error("http.handler.database_error", {{"request_id", request.request_id},
                                              {"route", route.pattern},
                                              {"kind", db::ToString(db_error->kind())},
                                              {"error", e.what()}});
    if (db_error->kind() == db::DbErrorKind::unique_violation) {
      // Two changes of the same thing at once; the stores refuse the ordinary duplicates in words.
      return Response::Error(409, "conflict", "Something changed at the same time; reload and try again.");
    }
    if (!db_error->retryable()) {
      return Response::Error(500, "internal", "Internal error; the request id is in the X-Request-Id header.");
    }
    Response r = Response::Error(503, "unavailable", "The database is unavailable; try again shortly.");
    r.headers.Set("Retry-After", "1");
    return r;
  });
}

void AddInternalRoutes(http::Router& router, const core::MetricsRegistry& metrics) {
  router.Add({.method = "GET",
              .pattern = "/metrics",
              .auth = {AuthKind::none},
              .execution = Execution::worker_pool,
              .handler = [&metrics](Request&) {
                Response r;
                r.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                r.body = metrics.RenderPrometheus();
                return r;
              }});
}

}  // namespace tcj::app
