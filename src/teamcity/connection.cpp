#include "teamcity/connection.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/text.hpp"
#include "http/retry_after.hpp"

namespace tcj::teamcity {
namespace {

// TeamCity's words (or a proxy's) go into messages, JSON answers and logs: one printable line of
// valid UTF-8, cut short.
std::string Cut(std::string_view text, std::size_t max = 300) {
  return core::SafeExcerpt(text, max);
}

}  // namespace

http::ClientRequest MakeRequest(const ServerConnection& server, const std::string& path_and_query) {
  http::ClientRequest r;
  const auto& c = server.credentials;
  const bool guest = c.kind == tenants::TeamCityAuthKind::guest;
  r.url = server.base_url + (guest ? "/guestAuth" : "") + path_and_query;
  r.headers.Set("Accept", "application/json");
  r.headers.Set("X-TeamCity-Client", "teamcity-jira");
  if (c.kind == tenants::TeamCityAuthKind::token) {
    r.headers.Set("Authorization", "Bearer " + std::string(c.token.reveal()));
  } else if (c.kind == tenants::TeamCityAuthKind::basic) {
    std::string pair = c.username + ":" + std::string(c.password.reveal());
    r.headers.Set("Authorization", "Basic " + core::Base64Encode(pair));
    core::SecureWipe(pair);
  }
  return r;
}

std::string ErrorText(const http::ClientResponse& response) {
  const std::string& body = response.body;
  const auto content_type = response.headers.Get("Content-Type").value_or("");
  if (content_type.find("json") != std::string_view::npos || (!body.empty() && body.front() == '{')) {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty() &&
        doc["errors"][0].is_object() && doc["errors"][0].contains("message") && doc["errors"][0]["message"].is_string()) {
      return Cut(doc["errors"][0]["message"].get<std::string>());
    }
  }
  if (const auto open = body.find("<message>"); open != std::string::npos) {
    const auto close = body.find("</message>", open);
    if (close != std::string::npos) return Cut(body.substr(open + 9, close - open - 9));
  }
  if (body.find("<html") != std::string::npos || body.find("<HTML") != std::string::npos) return "";
  return Cut(body.substr(0, body.find('\n')));
}

core::Error ErrorFromResponse(const http::ClientResponse& response) {
  using core::Error;
  using core::ErrorKind;
  const std::string text = ErrorText(response);
  const std::string said = text.empty() ? "" : " (TeamCity said: " + text + ")";
  switch (response.status) {
    case 401:
      return Error::Make(ErrorKind::unauthenticated, "teamcity.unauthorized",
                         "TeamCity answered 401: the token was revoked or expired, or the user name or password is "
                         "wrong");
    case 403:
      return Error::Make(ErrorKind::forbidden, "teamcity.forbidden",
                         "TeamCity answered 403: the user lacks a permission" + said);
    case 404:
      return Error::Make(ErrorKind::not_found, "teamcity.not_found",
                         "TeamCity answered 404: not found, or not visible to this user" + said);
    case 406:
    case 415:
      return Error::Make(ErrorKind::bad_payload, "teamcity.unsupported",
                         "TeamCity did not accept a JSON request (" + std::to_string(response.status) +
                             "); is this a TeamCity REST endpoint?");
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504: {
      Error e = Error::Retryable(ErrorKind::unavailable, "teamcity.unavailable",
                                 "TeamCity answered " + std::to_string(response.status) + said);
      // TeamCity says seconds; the date form (from a proxy, say) is not read without a clock.
      e.retry_after = http::RetryAfter(response.headers, std::nullopt);
      return e;
    }
    default:
      if (response.status >= 300 && response.status < 400) {
        return Error::Make(ErrorKind::invalid_input, "teamcity.redirect",
                           "TeamCity answered with a redirect to " +
                               Cut(response.headers.Get("Location").value_or("another address"), 200) +
                               "; use that address as the server URL");
      }
      return Error::Make(response.status >= 500 ? ErrorKind::unavailable : ErrorKind::invalid_input,
                         "teamcity.error", "TeamCity answered " + std::to_string(response.status) + said);
  }
}

}  // namespace tcj::teamcity
