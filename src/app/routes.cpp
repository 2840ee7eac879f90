#include "app/routes.hpp"

#include "app/services.hpp"
#include "connect/lifecycle.hpp"
#include "sync/server_removal.hpp"
#include "connect/descriptor.hpp"
#include "web/diagnostics_api.hpp"
#include "web/issue_panel.hpp"
#include "web/local_admin_auth.hpp"
#include "web/pages.hpp"
#include "web/preview_api.hpp"
#include "web/servers_api.hpp"
#include "web/session_api.hpp"
#include "web/sync_api.hpp"


namespace tcj::app {

using http::AuthKind;
using http::Execution;
using http::RateLimit;
using http::Request;
using http::Response;

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
  router.SetAuthenticator(AuthKind::local_admin,
                          std::make_shared<web::LocalAdminAuthenticator>(services.admin_tokens, services.admin_sessions,
                                                                         context.log, services.auth_metrics.rejections));
  router.SetAuthenticator(AuthKind::webhook_secret,
                          std::make_shared<web::WebhookAuthenticator>(services.servers, context.log,
                                                                      services.auth_metrics.rejections));
  sync::Engine& engine = services.sync_engine;
  connect::AddLifecycleRoutes(router, services.connect_registry, services.config.connect.app_key,
                              services.log.With({{"component", "connect"}}),
                              {.uninstalled = [&engine](const core::TenantId& t) { engine.TenantUninstalled(t); }});
  web::AddServerRoutes(
      router, services.servers, services.admin_access, services.http_client,
      {.added = [&engine](const core::TenantId& t, const core::ServerId& s) { engine.ServerAdded(t, s); },
       .remove = [&engine](const core::TenantId& t, const core::ServerId& s) {
         return sync::RequestServerRemoval(engine.context(), t, s);
       }},
      http::UrlPolicy::ForTeamCity(services.config.teamcity.allow_private_networks));
  web::AddSyncRoutes(router, engine.context(), services.servers, services.admin_access,
                     services.config.server.public_url);
  web::AddPreviewRoutes(router, engine.context(), services.admin_access);
  web::AddDiagnosticsRoutes(router, services.pool, services.admin_access);
  web::AddSessionRoutes(router, services.admin_tokens, services.admin_sessions, services.tenants,
                        {.secure_cookie = services.config.server.tls_enabled()});

  const config::Config& config = services.config;
  const web::PageOptions pages{.all_js_url = config.connect.all_js_url,
                               .jira_site_hosts = config.jira.allowed_site_hosts,
                               .allow_http_sites = config.jira.allow_http_sites};
  web::AddPageRoutes(router, pages);
  // Anonymous, cheap and fetched by every browser that opens the pages: not limited. Failed
  // sign-ins are, far more strictly than anything else (admin-token guessing).
  router.SetRateLimit("GET", "/admin", RateLimit::none);
  router.SetRateLimit("GET", "/static/{name}", RateLimit::none);
  router.SetRateLimit("POST", "/api/v1/session", RateLimit::sign_in);
  web::AddIssuePanelRoute(router, services.pool, services.tenants,
                          {.page = pages,
                           .app_key = config.connect.app_key,
                           .configure_module = std::string(connect::kConfigureModule)});
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
