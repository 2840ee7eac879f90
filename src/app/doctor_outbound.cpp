// The doctor's checks of the way out: Atlassian's endpoints and each direct TeamCity server.
#include <fmt/format.h>

#include <chrono>

#include "app/doctor_checks.hpp"
#include "core/url.hpp"

namespace tcj::app::doctor {
namespace {

// An admin is waiting; a server that does not answer in this time is as good as unreachable.
constexpr std::chrono::seconds kConnectTimeout{5};
constexpr std::chrono::seconds kTotalTimeout{10};

// The URL as it may be shown: scheme, host, port and path; never a query (where a token could be).
std::string Shown(std::string_view url) {
  auto parsed = core::ParseUrl(url);
  return parsed ? parsed->WithoutQuery() : std::string("(not a valid URL)");
}

// Any HTTP status is an answer; so is a body larger than we cared to read.
core::Result<int> Ask(http::HttpClient& client, const std::string& url) {
  http::ClientRequest request;
  request.url = url;
  request.headers.Add("Accept", "application/json");
  request.connect_timeout = kConnectTimeout;
  request.total_timeout = kTotalTimeout;
  request.max_response_bytes = 1024 * 1024;
  auto response = client.Send(request);
  if (!response) {
    if (response.error().code == "http.too_large") return 200;
    return std::move(response).take_error();
  }
  return response->status;
}

bool RefusedByPolicy(const core::Error& error) {
  return error.code == "http.refused_address" || error.code == "url.private_address" ||
         error.code == "url.https_required";
}

}  // namespace

std::vector<Finding> CheckAtlassian(const Context& context, http::HttpClient& client) {
  const config::Config& c = context.config;
  struct Endpoint {
    std::string key;
    std::string url;
  };
  std::vector<Endpoint> endpoints = {{"connect.install_keys_url", c.connect.install_keys_url},
                                     {"oauth.token_url", c.oauth.token_url},
                                     {"oauth.api_url", c.oauth.api_url}};
  if (!c.forge.app_id.empty()) endpoints.push_back({"forge.jwks_url", c.forge.jwks_url});
  // The proxy URL is never shown: it may carry a user name and password.
  const std::string through = c.jira.proxy_url.empty() ? "" : " through jira.proxy_url";
  std::vector<Finding> out;
  for (const Endpoint& e : endpoints) {
    const std::string title = "Atlassian (" + e.key + ")";
    auto status = Ask(client, e.url);
    if (!status) {
      out.push_back(Failure(
          title, fmt::format("{} is unreachable{}: {}", Shown(e.url), through, status.error().message),
          c.jira.proxy_url.empty() ? "check this machine's DNS and that the firewall lets https to Atlassian out, or "
                                     "set jira.proxy_url to the proxy this machine must use"
                                   : "check jira.proxy_url and that the proxy lets https to Atlassian through"));
      continue;
    }
    out.push_back(Ok(title, fmt::format("{} answered{} (HTTP {})", Shown(e.url), through, *status)));
  }
  return out;
}

std::string TeamCityTitle(const TeamCityServer& server) {
  return fmt::format("TeamCity \"{}\" of {}", server.name, server.site_url);
}

Finding CheckTeamCity(const Context& context, http::HttpClient& client, const TeamCityServer& server) {
  const std::string title = TeamCityTitle(server);
  std::string base = server.url;
  while (base.ends_with('/')) base.pop_back();
  // No credentials are sent: whether TeamCity answers 200 or 401, the way to it works.
  auto status = Ask(client, base + "/app/rest/server");
  const std::string through = context.config.teamcity.proxy_url.empty() ? "" : " through teamcity.proxy_url";
  if (!status && RefusedByPolicy(status.error())) {
    return Failure(title, Shown(server.url) + " is refused by the SSRF guard: " + status.error().message,
                   context.config.teamcity.allow_private_networks
                       ? "correct the server's URL on its admin page"
                       : "if this TeamCity is on your own network (the service runs next to it), set "
                         "teamcity.allow_private_networks = true; otherwise correct the server's URL on its admin "
                         "page");
  }
  if (!status) {
    return Failure(title, fmt::format("{} is unreachable{}: {}", Shown(server.url), through, status.error().message),
                   "check that TeamCity runs at that address and that this machine may reach it (DNS, firewall, "
                   "teamcity.proxy_url); a TeamCity behind a firewall can use a relay instead");
  }
  return Ok(title, fmt::format("{} answered{} (HTTP {})", Shown(server.url), through, *status));
}

}  // namespace tcj::app::doctor
