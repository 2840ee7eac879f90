#include "web/issue_panel.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/uri.hpp"
#include "forge/invocation_token.hpp"
#include "sync/build_reports.hpp"
#include "web/diagnostics_api.hpp"
#include "web/html.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The member, or null when the report lacks it (const operator[] would be undefined behaviour).
const json& At(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

// successful -> success, in_progress -> inprogress: the lozenge modifiers of app.css.
std::string LozengeClass(const std::string& jira_state) {
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

std::string Duration(const json& seconds) {
  if (!seconds.is_number_integer()) return "";
  const std::int64_t s = std::max<std::int64_t>(seconds.get<std::int64_t>(), 0);
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

std::string Tests(const json& tests) {
  if (!tests.is_object()) return "";
  std::string out;
  for (const auto& [field, label] : {std::pair{"passed", " passed"}, {"failed", " failed"}, {"ignored", " ignored"}}) {
    const auto it = tests.find(field);
    if (it == tests.end() || !it->is_number_integer() || it->get<std::int64_t>() == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(it->get<std::int64_t>()) + label;
  }
  return out;
}

// What a panel row shows of one build, worked out once for both panels: the Connect page renders
// it as HTML here, the Forge Custom UI bundle renders the same fields as DOM.
struct RowText {
  std::string state;        // lozenge modifier of app.css
  std::string state_label;  // the lozenge's words
  std::string title;        // project / build configuration #number
  std::string deployed_to;  // "" unless a deployment
  std::string tests;
  std::string duration;
};

RowText TextOf(const json& build) {
  const std::string state = Text(At(build, "jira_state"));
  return {.state = LozengeClass(state),
          .state_label = StateLabel(state),
          .title = Text(At(build, "project_name")) + " / " + Text(At(build, "build_type_name")) + " #" +
                   Text(At(build, "number")),
          .deployed_to = At(build, "environment").is_object() ? Text(At(At(build, "environment"), "name")) : "",
          .tests = Tests(At(build, "tests")),
          .duration = Duration(At(build, "duration_seconds"))};
}

std::string Row(const json& build, const std::string& diagnostics_url) {
  const RowText text = TextOf(build);
  const std::string href = SafeHref(Text(At(build, "web_url")));
  std::string row = "<tr><td class=\"tcj-col-state\"><span class=\"tcj-lozenge tcj-lozenge--" + text.state + "\">" +
                    HtmlEscape(text.state_label) + "</span></td><td class=\"tcj-col-build\">";
  row += href.empty() ? HtmlEscape(text.title)
                      : "<a href=\"" + href + "\" target=\"_blank\" rel=\"noopener noreferrer\">" +
                            HtmlEscape(text.title) + "</a>";
  if (At(build, "environment").is_object()) {
    row += "<div class=\"tcj-subtle\">deployed to " + HtmlEscape(text.deployed_to) + "</div>";
  }
  row += "</td><td class=\"tcj-col-branch\">" + HtmlEscape(Text(At(build, "branch"))) +
         "</td><td class=\"tcj-col-tests\">" + HtmlEscape(text.tests) + "</td><td class=\"tcj-col-duration\">" +
         HtmlEscape(text.duration) + "</td><td class=\"tcj-col-finished\">" +
         HtmlEscape(Text(At(build, "finished_at"))) + "</td>";
  if (!diagnostics_url.empty()) {
    const std::string id = At(build, "build_id").is_number_integer()
                               ? std::to_string(At(build, "build_id").get<std::int64_t>())
                               : std::string();
    row += "<td class=\"tcj-col-diagnostics\"><a href=\"" + HtmlEscape(diagnostics_url + id) +
           "\" target=\"_top\">Diagnostics</a></td>";
  }
  return row + "</tr>";
}

// The Forge panel's row: the fields it shows, as text (the bundle never parses markup); web_url
// only when it is http(s).
json RowJson(const json& build) {
  const RowText text = TextOf(build);
  return {{"build_id", At(build, "build_id")},
          {"state", text.state},
          {"state_label", text.state_label},
          {"title", text.title},
          {"web_url", SafeHref(Text(At(build, "web_url"))).empty() ? json(nullptr) : At(build, "web_url")},
          {"deployed_to", text.deployed_to.empty() ? json(nullptr) : json(text.deployed_to)},
          {"branch", Text(At(build, "branch"))},
          {"tests", text.tests},
          {"duration", text.duration},
          {"finished_at", At(build, "finished_at")}};
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

// The reports of builds that link the issue: those where the key was only dropped, and
// personal builds, are not the issue's builds.
json LinkedBuilds(const core::IssueKey& key, const std::string& reports_json) {
  const json reports = json::parse(reports_json, nullptr, false);
  json linked = json::array();
  if (const json& builds = At(reports, "builds"); builds.is_array()) {
    for (const json& build : builds) {
      const json& keys = At(build, "issue_keys");
      if (keys.is_array() && std::find(keys.begin(), keys.end(), json(key.str())) != keys.end() &&
          At(build, "personal") != true) {
        linked.push_back(build);
      }
    }
  }
  return linked;
}

}  // namespace

std::string IssuePanelJson(const core::IssueKey& key, const std::string& reports_json) {
  json rows = json::array();
  for (const json& build : LinkedBuilds(key, reports_json)) rows.push_back(RowJson(build));
  return json{{"issue_key", key.str()}, {"builds", std::move(rows)}}.dump();
}

std::string RenderIssuePanel(const core::IssueKey& key, const std::string& reports_json,
                             const std::string& diagnostics_url, const std::string& all_js_url) {
  std::string rows;
  int shown = 0;
  for (const json& build : LinkedBuilds(key, reports_json)) {
    rows += Row(build, diagnostics_url);
    ++shown;
  }
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

void AddIssuePanelRoute(http::Router& router, db::Pool& pool, tenants::TenantStore& tenants,
                        IssuePanelOptions options) {
  router.Add({.method = "GET",
              .pattern = "/jira/issue-panel",
              .auth = {http::AuthKind::connect_jwt},
              .rate_limit = http::RateLimit::page_view,
              .handler = [&pool, &tenants, options = std::move(options)](Request& r) {
                const auto key = IssueKeyParameter(r);
                if (!key) return Response::Text(400, "The panel needs the issue's key (issueKey=ABC-123).");
                std::string diagnostics;
                if (const auto site = tenants.Get(*r.principal.tenant)) {
                  diagnostics = site->site_url + "/plugins/servlet/ac/" + options.app_key + "/" +
                                options.configure_module + "?ac.q=";
                }
                const std::string reports =
                    sync::BuildReportsByIssueKeyJson(pool, *r.principal.tenant, *key, 50, sync::KeyLinks::linked);
                Response res;
                res.headers.Set("Content-Type", "text/html; charset=utf-8");
                SetPageHeaders(res, options.page, true);
                res.body = RenderIssuePanel(*key, reports, diagnostics, options.page.all_js_url);
                return res;
              }});

  // The Forge issue panel's data: Forge shows the panel only to users who may see the issue, and
  // its invocation token names that issue; a path or query naming another is never read.
  router.Add({.method = "GET",
              .pattern = "/api/v1/issue-panel",
              .auth = {http::AuthKind::forge},
              .rate_limit = http::RateLimit::page_view,
              .handler = [&pool](Request& r) {
                const auto* invocation = std::any_cast<forge::Invocation>(&r.principal.verified);
                const auto query = invocation ? ParseDiagnosticsQuery(invocation->issue_key) : std::nullopt;
                if (!query || query->kind != DiagnosticsQuery::Kind::issue_key) {
                  return Response::Error(400, "bad_request", "The call does not come from an issue panel.");
                }
                const std::string reports =
                    sync::BuildReportsByIssueKeyJson(pool, *r.principal.tenant, query->key, 50, sync::KeyLinks::linked);
                return Response::Json(200, IssuePanelJson(query->key, reports));
              }});
}

}  // namespace tcj::web
