#include "web/start_page.hpp"

#include <memory>

#include "web/html.hpp"

namespace tcj::web {

std::string DescribeReadiness(std::string_view not_ready_reason) {
  if (not_ready_reason.empty()) return "Ready: the database is reachable and its schema is current.";
  if (not_ready_reason == "unknown") return "Starting: the database has not been checked yet.";
  if (not_ready_reason == "unreachable") {
    return "Not ready: the database cannot be reached. `teamcity-jira doctor --config FILE` says why.";
  }
  if (not_ready_reason == "schema_behind") {
    return "Not ready: the database schema is older than this version. Run `teamcity-jira migrate --config FILE`.";
  }
  if (not_ready_reason == "schema_contracted") {
    return "Not ready: the database schema was contracted for a newer version than this one. Run the newer version.";
  }
  if (not_ready_reason == "shutting_down") return "Not ready: shutting down.";
  return "Not ready (" + std::string(not_ready_reason) + ").";
}

void AddStartPage(http::Router& router, StartPageOptions options, const PageOptions& page_options) {
  // Everything but the status is fixed for the life of the process: rendered once.
  std::string page = std::string(EmbeddedFileBody("start.html"));
  page = ReplaceAll(std::move(page), "{{VERSION}}", HtmlEscape(options.version));
  page = ReplaceAll(std::move(page), "{{PUBLIC_URL}}", HtmlEscape(options.public_url));
  page = ReplaceAll(std::move(page), "{{FORGE}}",
                    options.forge_configured
                        ? "This service is configured for a Forge app (<code>forge.app_id</code> is set)."
                        : "Set <code>forge.app_id</code> in the configuration first.");
  auto shared = std::make_shared<const std::string>(std::move(page));
  router.Add({.method = "GET",
              .pattern = "/",
              .auth = {http::AuthKind::none},
              .execution = http::Execution::io_thread,
              .handler = [shared, page_options, reason = std::move(options.not_ready_reason)](http::Request&) {
                const std::string why = reason ? reason() : std::string();
                std::string body = ReplaceAll(*shared, "{{STATE_CLASS}}", why.empty() ? "is-ready" : "is-not-ready");
                body = ReplaceAll(std::move(body), "{{STATE}}", HtmlEscape(DescribeReadiness(why)));
                http::Response r;
                r.headers.Set("Content-Type", "text/html; charset=utf-8");
                SetPageHeaders(r, page_options, false);
                r.body = std::move(body);
                return r;
              }});
}

}  // namespace tcj::web
