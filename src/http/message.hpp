// http: the request and response types handlers see, free of Boost.Beast.
#pragma once

#include <any>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.hpp"

namespace tcj::http {

// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every field of that name with one.
  void Set(std::string_view name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  std::size_t Count(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Who a request was authenticated as. Filled by the route's authentication before the handler
// runs; "none" routes get an empty principal.
struct Principal {
  std::string kind;  // the AuthKind that accepted the request, as text ("" for none)
  std::optional<core::TenantId> tenant;
  std::string subject;     // the Atlassian account id of the user, or the admin token id
  std::string client_key;  // Connect: the site's client key
  std::string installation;  // Forge: the installation id
  // What the authentication verified beyond these fields, for the handlers of routes of that
  // kind (forge: the forge::Invocation of the token). Read with std::any_cast.
  std::any verified;
};

struct Request {
  std::string method;  // as received, e.g. "GET"
  std::string target;  // raw request-target: path and query
  std::string path;    // raw path, before '?'
  std::string query;   // raw query, after '?', "" when absent
  Headers headers;
  std::string body;
  std::string remote_address;   // the connection's peer
  std::string client_address;   // who sent it: the peer, or what trusted proxies say (see RateLimiter)
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> path_params;  // from {name} segments, decoded
  Principal principal;

  std::optional<std::string_view> PathParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // A long poll: when set, the server ignores the fields above, calls later with a function that
  // answers the request (from any thread, once) and keeps the connection until then. Should the
  // function be dropped uncalled, the request is answered 503.
  using Answer = std::function<void(Response)>;
  std::function<void(Answer)> later;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  // The error shape of every JSON endpoint: {"error": {"code": "...", "message": "..."}}.
  static Response Error(int status, std::string_view code, std::string_view message);
};

// The token of "Authorization: Bearer <token>" (scheme compared case-insensitively, spaces
// around the token dropped); nullopt when the header is absent, of another scheme or empty.
std::optional<std::string_view> BearerToken(const Request& request);

// Three dot-separated parts, as every JWT (a Forge Invocation Token) has and no local admin
// token does: how the bearer-token kinds tell theirs apart.
bool LooksLikeJwt(std::string_view token);

// Standard reason phrase, e.g. 404 -> "Not Found".
std::string_view ReasonPhrase(int status);

}  // namespace tcj::http
