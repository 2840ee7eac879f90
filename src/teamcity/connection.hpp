// teamcity: how to reach one TeamCity server (base URL, credentials) and what its errors mean.
#pragma once

#include <string>

#include "core/result.hpp"
#include "http/client.hpp"
#include "tenants/teamcity_credentials.hpp"

namespace tcj::teamcity {

// A server's REST root and the credentials to use. The base URL may have a context path
// (https://ci.example.com/teamcity); guest access goes through /guestAuth.
struct ServerConnection {
  std::string base_url;  // without trailing slash
  tenants::TeamCityCredentials credentials;
};

// The request for `path` (starting with /app/rest/...), with authentication and Accept set.
http::ClientRequest MakeRequest(const ServerConnection& server, const std::string& path_and_query);

// A TeamCity answer that is not 2xx, in words an admin can act on, with whether retrying helps:
// 401 (token revoked or expired), 403 (permission), 404, 5xx, proxies' HTML pages. The message
// quotes TeamCity's own error text (from JSON, XML or plain bodies), cut short, never a secret.
core::Error ErrorFromResponse(const http::ClientResponse& response);

// The error text of a TeamCity error body: errors[0].message of JSON, <message> of XML, or the
// first line of plain text; at most 300 characters; "" for HTML.
std::string ErrorText(const http::ClientResponse& response);

}  // namespace tcj::teamcity
