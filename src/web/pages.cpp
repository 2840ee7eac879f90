#include "web/pages.hpp"

#include <map>
#include <memory>

#include "core/url.hpp"
#include "crypto/sha256.hpp"
#include "web/assets.hpp"
#include "web/html.hpp"

namespace tcj::web {
namespace {

using http::AuthKind;
using http::Execution;
using http::Request;
using http::Response;

struct StaticFile {
  std::string_view body;
  std::string content_type;
  std::string etag;
};

std::string ContentTypeOf(std::string_view name) {
  static const std::map<std::string_view, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                                 {".js", "text/javascript; charset=utf-8"},
                                                                 {".css", "text/css; charset=utf-8"},
                                                                 {".svg", "image/svg+xml"},
                                                                 {".png", "image/png"},
                                                                 {".ico", "image/x-icon"},
                                                                 {".json", "application/json"},
                                                                 {".woff2", "font/woff2"}};
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    if (const auto it = kTypes.find(name.substr(dot)); it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

std::string FrameAncestors(const PageOptions& options) {
  std::string sources;
  for (const std::string& host : options.jira_site_hosts) {
    sources += " https://" + host;
    if (options.allow_http_sites) sources += " http://" + host + ":*";
  }
  return sources.empty() ? " 'none'" : sources;
}

Response Page(std::string body, const PageOptions& options, bool framed_by_jira) {
  Response r;
  r.headers.Set("Content-Type", "text/html; charset=utf-8");
  SetPageHeaders(r, options, framed_by_jira);
  r.body = std::move(body);
  return r;
}

}  // namespace

void SetPageHeaders(Response& response, const PageOptions& options, bool framed_by_jira) {
  std::string scripts = "'self'";
  if (framed_by_jira) {
    if (auto all_js = core::ParseUrl(options.all_js_url)) scripts += " " + all_js->Origin();
  }
  response.headers.Set("Content-Security-Policy",
                       "default-src 'self'; script-src " + scripts +
                           "; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors" +
                           (framed_by_jira ? FrameAncestors(options) : std::string(" 'none'")));
  if (!framed_by_jira) response.headers.Set("X-Frame-Options", "DENY");
  response.headers.Set("X-Content-Type-Options", "nosniff");
  // Jira's iframe URLs carry a jwt parameter: never let it leave in a Referer.
  response.headers.Set("Referrer-Policy", "no-referrer");
  response.headers.Set("Cache-Control", "no-store");
}

void AddPageRoutes(http::Router& router, const PageOptions& options) {
  auto files = std::make_shared<std::map<std::string, StaticFile, std::less<>>>();
  for (const EmbeddedFile& file : EmbeddedWebFiles()) {
    if (!file.name.starts_with("static/")) continue;
    (*files)[std::string(file.name.substr(7))] = {file.body, ContentTypeOf(file.name),
                                                  "\"" + crypto::Sha256Hex(file.body).substr(0, 16) + "\""};
  }
  const std::string admin_page(EmbeddedFileBody("admin.html"));
  const std::string jira_page =
      ReplaceAll(std::string(EmbeddedFileBody("jira.html")), "{{ALL_JS_URL}}", HtmlEscape(options.all_js_url));

  router.Add({.method = "GET",
              .pattern = "/admin",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .handler = [admin_page, options](Request&) { return Page(admin_page, options, false); }});
  // Jira loads it with ?jwt=... (qsh over this request); the page then calls the API with context
  // tokens. Jira shows the page to administrators only, and the API checks again.
  router.Add({.method = "GET",
              .pattern = "/jira/configure",
              .auth = {AuthKind::connect_jwt},
              .handler = [jira_page, options](Request&) { return Page(jira_page, options, true); }});
  router.Add({.method = "GET",
              .pattern = "/static/{name}",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .handler = [files](Request& request) {
                const auto it = files->find(*request.PathParam("name"));
                if (it == files->end()) return Response::Error(404, "not_found", "No such file.");
                Response r;
                r.headers.Set("X-Content-Type-Options", "nosniff");
                r.headers.Set("Cache-Control", "no-cache");
                r.headers.Set("ETag", it->second.etag);
                if (request.headers.Get("If-None-Match") == std::optional<std::string_view>(it->second.etag)) {
                  r.status = 304;
                  return r;
                }
                r.headers.Set("Content-Type", it->second.content_type);
                r.body = std::string(it->second.body);
                return r;
              }});
}

}  // namespace tcj::web
