#include "web/issue_panel.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/uri.hpp"
#include "forge/invocation_token.hpp"
#include "sync/issue_builds.hpp"
#include "web/diagnostics_api.hpp"
#include "web/html.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kShownBuilds = 50;  // the newest builds and deployments of the issue

// successful -> success, in_progress -> inprogress: the lozenge modifiers of app.css.
std::string_view LozengeClass(std::string_view jira_state) {
  if (jira_state == "successful") return "success";
  if (jira_state == "failed" || jira_state == "rolled_back") return "failed";
  if (jira_state == "in_progress") return "inprogress";
  if (jira_state == "pending") return "pending";
  if (jira_state == "cancelled") return "cancelled";
  return "unknown";
}

std::string StateLabel(const std::string& jira_state) {
  if (jira_state == "in_progress") return "in progress";
  if (jira_state == "rolled_back") return "rolled back";
  return jira_state.empty() ? "unknown" : jira_state;
}

std::string Duration(const std::optional<std::int64_t>& seconds) {
  if (!seconds) return "";
  const std::int64_t s = std::max<std::int64_t>(*seconds, 0);
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

std::string Tests(const sync::IssueBuild& build) {
  std::string out;
  for (const auto& [count, label] :
       {std::pair{build.tests_passed, " passed"}, {build.tests_failed, " failed"}, {build.tests_ignored, " ignored"}}) {
    if (count == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(count) + label;
  }
  return out;
}

// What a panel row shows of one build, worked out once for both panels: the Connect page renders
// it as HTML here, the Forge Custom UI bundle renders the same fields as DOM.
struct RowText {
  std::string_view state;   // lozenge modifier of app.css
  std::string state_label;  // the lozenge's words
  std::string title;        // project / build configuration #number
  std::string tests;
  std::string duration;
};

RowText TextOf(const sync::IssueBuild& build) {
  return {.state = LozengeClass(build.jira_state),
          .state_label = StateLabel(build.jira_state),
          .title = build.project_name + " / " + build.build_type_name + " #" + build.number,
          .tests = Tests(build),
          .duration = Duration(build.duration_seconds)};
}

void AppendRow(std::string& html, const sync::IssueBuild& build, const std::string& diagnostics_url) {
  const RowText text = TextOf(build);
  const std::string href = SafeHref(build.web_url);
  html += "<tr><td class=\"tcj-col-state\"><span class=\"tcj-lozenge tcj-lozenge--";
  html += text.state;
  html += "\">" + HtmlEscape(text.state_label) + "</span></td><td class=\"tcj-col-build\">";
  html += href.empty() ? HtmlEscape(text.title)
                       : "<a href=\"" + href + "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
                             HtmlEscape(text.title) + "</a>";
  if (build.environment) html += "<div class=\"tcj-subtle\">deployed to " + HtmlEscape(*build.environment) + "</div>";
  html += "</td><td class=\"tcj-col-branch\">" + HtmlEscape(build.branch) + "</td><td class=\"tcj-col-tests\">" +
          HtmlEscape(text.tests) + "</td><td class=\"tcj-col-duration\">" + HtmlEscape(text.duration) +
          "</td><td class=\"tcj-col-finished\">" + HtmlEscape(build.finished_at) + "</td>";
  if (!diagnostics_url.empty()) {
    html += "<td class=\"tcj-col-diagnostics\"><a href=\"" +
            HtmlEscape(diagnostics_url + std::to_string(build.build_id)) + "\" target=\"_top\">Diagnostics</a></td>";
  }
  html += "</tr>";
}

// The Forge panel's row: the fields it shows, as text (the bundle never parses markup); web_url
// only when it is http(s).
json RowJson(const sync::IssueBuild& build) {
  const RowText text = TextOf(build);
  const bool linkable = !SafeHref(build.web_url).empty();
  return {{"build_id", build.build_id},
          {"state", text.state},
          {"state_label", text.state_label},
          {"title", text.title},
          {"web_url", linkable ? json(build.web_url) : json(nullptr)},
          {"deployed_to", build.environment ? json(*build.environment) : json(nullptr)},
          {"branch", build.branch},
          {"tests", text.tests},
          {"duration", text.duration},
          {"finished_at", build.finished_at.empty() ? json(nullptr) : json(build.finished_at)}};
}

std::optional<core::IssueKey> IssueKeyParameter(const Request& request) {
  const auto params = core::ParseQuery(request.query);
  if (!params) return std::nullopt;
  for (const auto& [name, value] : *params) {
    if (name != "issueKey") continue;
    const auto query = ParseDiagnosticsQuery(value);
    if (query && query->kind == DiagnosticsQuery::Kind::issue_key) return query->key;
  }
  return std::nullopt;
}

}  // namespace

std::string IssuePanelJson(const core::IssueKey& key, const std::vector<sync::IssueBuild>& builds) {
  json rows = json::array();
  for (const auto& build : builds) rows.push_back(RowJson(build));
  return json{{"issue_key", key.str()}, {"builds", std::move(rows)}}.dump();
}

std::string RenderIssuePanel(const core::IssueKey& key, const std::vector<sync::IssueBuild>& builds,
                             const std::string& diagnostics_url, const std::string& all_js_url) {
  std::string rows;
  rows.reserve(builds.size() * 700);
  for (const auto& build : builds) AppendRow(rows, build, diagnostics_url);
  const std::size_t shown = builds.size();
  std::string html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>TeamCity builds of " +
                     HtmlEscape(key.str()) +
                     "</title><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"" +
                     HtmlEscape(all_js_url) + "\"></script></head><body class=\"tcj-panel\">";
  if (shown == 0) {
    html += "<p class=\"tcj-empty\">No TeamCity builds mention " + HtmlEscape(key.str()) +
            " yet. Builds are linked when the issue key is in the branch name, a commit message or the "
            "jira.issueKeys build parameter.</p>";
  } else {
    html +=
        "<table class=\"tcj-builds\"><thead><tr><th>State</th><th>Build</th><th>Branch</th><th>Tests</th>"
        "<th>Duration</th><th>Finished (UTC)</th>";
    if (!diagnostics_url.empty()) html += "<th><span class=\"tcj-visually-hidden\">Diagnostics</span></th>";
    html += "</tr></thead><tbody>" + rows + "</tbody></table>";
  }
  return html + "</body></html>";
}

void AddIssuePanelRoute(http::Router& router, sync::IssueBuildsReader& reader, tenants::TenantStore& tenants,
                        IssuePanelOptions options) {
  router.Add({.method = "GET",
              .pattern = "/jira/issue-panel",
              .auth = {http::AuthKind::connect_jwt},
              .execution = http::Execution::io_thread_first,
              .rate_limit = http::RateLimit::page_view,
              .handler = [&reader, &tenants, options = std::move(options)](Request& r) {
                const auto key = IssueKeyParameter(r);
                if (!key) return Response::Text(400, "The panel needs the issue's key (issueKey=ABC-123).");
                std::string diagnostics;
                if (const auto site = tenants.Get(*r.principal.tenant)) {
                  diagnostics = site->site_url + "/plugins/servlet/ac/" + options.app_key + "/" +
                                options.configure_module + "?ac.q=";
                }
                const auto builds = reader.Read(*r.principal.tenant, *key, kShownBuilds);
                Response res;
                res.headers.Set("Content-Type", "text/html; charset=utf-8");
                SetPageHeaders(res, options.page, true);
                res.body = RenderIssuePanel(*key, *builds, diagnostics, options.page.all_js_url);
                return res;
              }});

  // The Forge issue panel's data: Forge shows the panel only to users who may see the issue, and
  // its invocation token names that issue; a path or query naming another is never read.
  router.Add({.method = "GET",
              .pattern = "/api/v1/issue-panel",
              .auth = {http::AuthKind::forge},
              .execution = http::Execution::io_thread_first,
              .rate_limit = http::RateLimit::page_view,
              .handler = [&reader](Request& r) {
                const auto* invocation = std::any_cast<forge::Invocation>(&r.principal.verified);
                const auto query = invocation ? ParseDiagnosticsQuery(invocation->issue_key) : std::nullopt;
                if (!query || query->kind != DiagnosticsQuery::Kind::issue_key) {
                  return Response::Error(400, "bad_request", "The call does not come from an issue panel.");
                }
                return Response::Json(
                    200, IssuePanelJson(query->key, *reader.Read(*r.principal.tenant, query->key, kShownBuilds)));
              }});
}

}  // namespace tcj::web
