// http: the outbound HTTP client (libcurl behind a pimpl) for Jira, Atlassian and TeamCity.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"

namespace tcj::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url{};
  Headers headers{};
  std::string body{};
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  // Asked with the IP address before every connection; false refuses it (the SSRF guard, see
  // address_policy.hpp). The address asked is the one connected to, so DNS rebinding cannot
  // switch it; requests with a guard never reuse a connection opened without one. Through a
  // configured proxy the address asked is the proxy's (which must then do the filtering). Unset:
  // every address is allowed.
  std::function<bool(const std::string& ip)> allow_address{};
  // Asked about once a second while the request runs (waiting included); true ends it with the
  // error http.cancelled. Unset: never cancelled.
  std::function<bool()> cancelled{};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// The interface the clients of other systems depend on, so tests can substitute a fake.
// Implementations are thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Transport failures come back as errors whose code says what failed (http.dns, http.connect,
  // http.tls, http.timeout, http.too_large, http.refused_address, http.protocol) with a message
  // naming the host, never a header value or body. Any HTTP status is a response, not an error.
  virtual core::Result<ClientResponse> Send(const ClientRequest& request) = 0;
};

// libcurl with: TLS 1.2+ and certificate and host name verification always on, redirects never
// followed, only http and https, connections reused per thread, gzip accepted (the size cap applies
// after decompression), and the given User-Agent. Every request goes through proxy (a URL such as
// http://proxy.example.com:3128; empty: none); the standard proxy environment variables are never
// read, so what reaches the network is what the configuration says.
std::shared_ptr<HttpClient> MakeCurlClient(std::string user_agent, std::string proxy = "");

struct CurlOptions {
  std::string proxy;    // as above
  std::string ca_file;  // certificates trusted besides the system's (a company's own CA); empty: none
};
std::shared_ptr<HttpClient> MakeCurlClient(std::string user_agent, CurlOptions options);

}  // namespace tcj::http
