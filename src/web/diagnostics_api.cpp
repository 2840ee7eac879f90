#include "web/diagnostics_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/uri.hpp"
#include "sync/build_reports.hpp"
#include "sync/events.hpp"
#include "web/api_support.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kMaxLimit = 200;

std::optional<std::int64_t> WholeNumber(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// The query parameter `name`, or fallback; an error response for anything but 1..kMaxLimit.
std::variant<int, Response> Limit(const Request& request, int fallback) {
  const auto params = core::ParseQuery(request.query);
  if (!params) return FieldError("limit", "the query string is malformed");
  for (const auto& [name, value] : *params) {
    if (name != "limit") continue;
    const auto n = WholeNumber(value);
    if (!n || *n > kMaxLimit)
      return FieldError("limit", "must be a whole number from 1 to " + std::to_string(kMaxLimit));
    return static_cast<int>(*n);
  }
  return fallback;
}

std::optional<std::string> QueryParameter(const Request& request, std::string_view wanted) {
  const auto params = core::ParseQuery(request.query);
  if (!params) return std::nullopt;
  for (const auto& [name, value] : *params) {
    if (name == wanted) return value;
  }
  return std::nullopt;
}

// The digits at the start of text, up to the end or a URL delimiter.
std::optional<std::int64_t> LeadingNumber(std::string_view text) {
  const std::size_t end = std::min(text.find_first_of("/?&#"), text.size());
  return WholeNumber(text.substr(0, end));
}

// PROJECT-123: a letter, letters, digits or '_', a dash, a number without a leading zero.
bool IsIssueKey(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 255 || dash + 1 >= text.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  for (const char c : text.substr(0, dash)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  const std::string_view number = text.substr(dash + 1);
  return number.size() <= 18 && number[0] != '0' && WholeNumber(number).has_value();
}

}  // namespace

std::optional<DiagnosticsQuery> ParseDiagnosticsQuery(std::string_view text) {
  text = core::TrimAsciiSpace(text);
  if (text.empty() || text.size() > 2000) return std::nullopt;
  if (const auto id = WholeNumber(text))
    return DiagnosticsQuery{DiagnosticsQuery::Kind::build_id, {}, core::BuildId(*id)};
  if (IsIssueKey(text)) {
    return DiagnosticsQuery{DiagnosticsQuery::Kind::issue_key, core::IssueKey(core::AsciiUpper(text)), {}};
  }
  if (!text.starts_with("https://") && !text.starts_with("http://")) return std::nullopt;
  // The build URLs TeamCity shows: .../viewLog.html?buildId=123, .../buildConfiguration/<id>/123,
  // .../build/123.
  for (const std::string_view marker : {"buildId=", "/build/"}) {
    if (const auto at = text.find(marker); at != std::string_view::npos) {
      if (const auto id = LeadingNumber(text.substr(at + marker.size()))) {
        return DiagnosticsQuery{DiagnosticsQuery::Kind::build_id, {}, core::BuildId(*id)};
      }
    }
  }
  constexpr std::string_view kConfiguration = "/buildConfiguration/";
  if (const auto at = text.find(kConfiguration); at != std::string_view::npos) {
    const std::string_view rest = text.substr(at + kConfiguration.size());
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      if (const auto id = LeadingNumber(rest.substr(slash + 1))) {
        return DiagnosticsQuery{DiagnosticsQuery::Kind::build_id, {}, core::BuildId(*id)};
      }
    }
  }
  return std::nullopt;
}

void AddDiagnosticsRoutes(http::Router& router, db::Pool& pool, AdminAccess& access) {
  router.Add({.method = "GET",
              .pattern = "/api/v1/diagnostics",
              .auth = kAdminAuth,
              .handler = AdminOnly(access, [&pool](Request& r) {
                const auto text = QueryParameter(r, "q");
                const auto query = text ? ParseDiagnosticsQuery(*text) : std::nullopt;
                if (!query) {
                  return FieldError("q", "Enter an issue key (ABC-123), a TeamCity build id, or a build's URL.");
                }
                const bool by_key = query->kind == DiagnosticsQuery::Kind::issue_key;
                const std::string builds =
                    by_key ? sync::BuildReportsByIssueKeyJson(pool, *r.principal.tenant, query->key, 50)
                           : sync::BuildReportsByBuildIdJson(pool, *r.principal.tenant, query->build_id);
                const json head = {{"kind", by_key ? "issue_key" : "build_id"},
                                   {"value", by_key ? json(query->key.str()) : json(query->build_id.value())}};
                // {"query": ..., "builds": [...]}: the reports are already JSON text.
                return Response::Json(200, R"({"query":)" + head.dump() + "," + builds.substr(1));
              })});

  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/builds",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&pool](Request& r, const core::ServerId& id) {
                const auto limit = Limit(r, 20);
                if (const auto* bad = std::get_if<Response>(&limit)) return *bad;
                const auto builds = sync::RecentBuildReportsJson(pool, *r.principal.tenant, id, std::get<int>(limit));
                return builds ? Response::Json(200, *builds) : ServerNotFound();
              })});

  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}/events",
              .auth = kAdminAuth,
              .handler = AdminOnServer(access, [&pool](Request& r, const core::ServerId& id) {
                const auto limit = Limit(r, 50);
                if (const auto* bad = std::get_if<Response>(&limit)) return *bad;
                const auto events = sync::RecentEventsJson(pool, *r.principal.tenant, id, std::get<int>(limit));
                return events ? Response::Json(200, *events) : ServerNotFound();
              })});
}

}  // namespace tcj::web
