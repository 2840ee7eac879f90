// teamcity: how REST requests reach one TeamCity server: directly over HTTP with the credentials
// the service keeps, or through a relay inside the customer's network that keeps them (src/relay).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "http/client.hpp"
#include "teamcity/connection.hpp"

namespace tcj::teamcity {

class Transport {
 public:
  virtual ~Transport() = default;
  // A GET of an auth-neutral path and query ("/app/rest/builds?locator=..."): the transport adds
  // whatever signs it in. Any HTTP status is a response; transport failures are errors.
  virtual core::Result<http::ClientResponse> Get(const std::string& path_and_query) = 0;
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::function<bool(const std::string& ip)> allow_address{};  // the SSRF guard
};

// Straight to server.base_url over http, with server.credentials.
std::unique_ptr<Transport> MakeDirectTransport(std::shared_ptr<http::HttpClient> http, ServerConnection server,
                                               ClientOptions options);

// The transport of a stored server: direct, with its URL and credentials, or through its relay
// (credentials of kind relay).
using TransportFactory = std::function<std::unique_ptr<Transport>(const core::TenantId& tenant,
                                                                  const core::ServerId& server, ServerConnection)>;

// A path as TeamCity's hrefs write it, without the auth prefix they echo from the request
// (/guestAuth, /httpAuth): every transport adds its own.
std::string_view WithoutAuthPrefix(std::string_view href);

}  // namespace tcj::teamcity
