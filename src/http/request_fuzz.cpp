// libFuzzer: the HTTP request path, from raw bytes to a response, short of the socket.
//
// server.cpp parses requests inside a connection's session and has no entry point without a
// socket, so this target does with the input what a session does: Boost.Beast's request_parser
// with the server's header and body limits (ServerOptions defaults), the target split into path
// and query at the first '?', then the real Router::Match and Router::Dispatch over a route table
// shaped like the service's (every authentication kind, {id} parameters), with authenticators that
// accept or refuse by header. Handlers run the query, path and cookie parsers on what arrived, and
// every request is written to the access log the way the server writes it (query redacted).
// Whatever arrives: no crash, no leak, no uncaught exception, and
//   - a matched route's parameters are the pattern's, decoded and non-empty;
//   - every answer has a status from 100 to 599;
//   - the redacted query shows no value of a secret-bearing parameter;
//   - percent-encoding round-trips;
//   - every log line is one valid JSON object (untrusted bytes are escaped, bad UTF-8 replaced).
#define BOOST_ASIO_NO_DEPRECATED
#define BOOST_BEAST_USE_STD_STRING_VIEW

#include <strings.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "http/cookies.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "core/uri.hpp"

namespace {

namespace bhttp = boost::beast::http;
using tcj::http::AuthKind;
using tcj::http::Request;
using tcj::http::Response;

void Require(bool condition) {
  if (!condition) std::abort();
}

// Every line the service would log must stay one JSON object, whatever bytes a client sent.
class CheckingSink final : public tcj::core::LogSink {
 public:
  void Write(tcj::core::LogLevel, std::string_view line) override {
    while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    const auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    Require(!doc.is_discarded() && doc.is_object());
  }
};

// Recognises "Authorization: <scheme> <credentials>"; accepts the credentials "ok" and refuses
// anything else the way real authenticators do (401, generic body).
class HeaderAuthenticator final : public tcj::http::Authenticator {
 public:
  explicit HeaderAuthenticator(std::string scheme) : scheme_(std::move(scheme)) {}
  bool Recognizes(const Request& request) const override {
    const auto header = request.headers.Get("Authorization");
    return header && header->size() > scheme_.size() &&
           strncasecmp(header->data(), scheme_.data(), scheme_.size()) == 0;
  }
  std::optional<Response> Authenticate(Request& request) const override {
    const auto header = *request.headers.Get("Authorization");
    if (header.substr(scheme_.size()) != "ok") return Response::Error(401, "unauthenticated", "Authentication failed.");
    request.principal.subject = "fuzz";
    return std::nullopt;
  }

 private:
  std::string scheme_;
};

bool IsSecretName(std::string_view name) {
  for (std::string_view s :
       {"jwt", "token", "access_token", "password", "secret", "client_secret", "signature", "sig", "code"}) {
    if (name.size() == s.size() && strncasecmp(name.data(), s.data(), s.size()) == 0) return true;
  }
  return false;
}

// An exception type of a layer above http, which the exception mapper answers.
class Mapped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a handler does with untrusted parts of a request; the answer depends on them so that
// nothing is optimised away.
Response Handle(Request& request) {
  std::size_t seen = 0;
  for (const auto& [name, value] : request.path_params) {
    Require(!value.empty());
    Require(request.PathParam(name).has_value());
    seen += value.size();
  }
  if (auto query = tcj::core::ParseQuery(request.query)) seen += query->size();
  if (auto cookie = tcj::http::CookieValue(request, "tcj_session")) seen += cookie->size();
  seen += request.headers.Count("X-Forwarded-For");
  if (request.headers.Get("X-Fuzz-Throw")) throw std::runtime_error("handler failed");
  if (request.headers.Get("X-Fuzz-Mapped")) throw Mapped("connection lost");
  return Response::Json(200, "{\"seen\":" + std::to_string(seen) + "}");
}

struct Target {
  Target() : log(std::make_shared<CheckingSink>(), tcj::core::LogLevel::debug) {
    const auto add = [this](std::string method, std::string pattern, std::vector<AuthKind> auth) {
      tcj::http::Route route;
      route.method = std::move(method);
      route.pattern = std::move(pattern);
      route.auth = std::move(auth);
      route.handler = Handle;
      router.Add(std::move(route));
    };
    add("GET", "/healthz", {AuthKind::none});
    add("GET", "/atlassian-connect.json", {AuthKind::none});
    add("GET", "/assets/{file}", {AuthKind::none});
    add("POST", "/lifecycle/installed", {AuthKind::connect_install});
    add("GET", "/jira/configure", {AuthKind::connect_jwt});
    add("GET", "/api/v1/servers", {AuthKind::connect_context, AuthKind::local_admin});
    add("POST", "/api/v1/servers", {AuthKind::connect_context, AuthKind::local_admin});
    add("GET", "/api/v1/servers/{id}", {AuthKind::connect_context, AuthKind::local_admin});
    add("PUT", "/api/v1/servers/{id}", {AuthKind::connect_context, AuthKind::local_admin});
    add("DELETE", "/api/v1/servers/{id}", {AuthKind::connect_context, AuthKind::local_admin});
    add("GET", "/api/v1/servers/{id}/status", {AuthKind::connect_context, AuthKind::local_admin});
    add("POST", "/api/v1/servers/test", {AuthKind::connect_context, AuthKind::local_admin});
    add("GET", "/api/v1/diagnostics/{kind}/{key}", {AuthKind::connect_context, AuthKind::local_admin});
    add("POST", "/webhooks/teamcity/{id}", {AuthKind::webhook_secret});
    router.SetAuthenticator(AuthKind::connect_install, std::make_shared<HeaderAuthenticator>("JWT-Install "));
    router.SetAuthenticator(AuthKind::connect_jwt, std::make_shared<HeaderAuthenticator>("JWT "));
    router.SetAuthenticator(AuthKind::connect_context, std::make_shared<HeaderAuthenticator>("JWT-Context "));
    router.SetAuthenticator(AuthKind::local_admin, std::make_shared<HeaderAuthenticator>("Bearer tcj_"));
    router.SetAuthenticator(AuthKind::webhook_secret, std::make_shared<HeaderAuthenticator>("Bearer "));
    router.SetExceptionMapper([](const std::exception& e, const Request&,
                                 const tcj::http::Route&) -> std::optional<Response> {
      if (dynamic_cast<const Mapped*>(&e) == nullptr) return std::nullopt;
      return Response::Error(503, "unavailable", "try again");
    });
    router.SetOwnOrigin("https://tcj.example.com");
    router.Validate();
  }

  tcj::core::Logger log;
  tcj::http::Router router;
  tcj::http::ServerOptions options;
};

void CheckRedaction(std::string_view query) {
  const std::string redacted = tcj::core::RedactQuery(query);
  Require(tcj::core::RedactQuery(redacted) == redacted);
  if (auto pairs = tcj::core::ParseQuery(redacted)) {
    for (const auto& [name, value] : *pairs) {
      Require(!IsSecretName(name) || value.empty() || value == "[REDACTED]");
    }
  }
}

// What the server does with one request once its bytes are parsed: route, limit, dispatch, log.
void Serve(const Target& t, bhttp::request_parser<bhttp::string_body>& parser) {
  auto& req = parser.get();
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  const auto q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  request.request_id = "fuzz";
  request.remote_address = "127.0.0.1";

  const tcj::http::RouteMatch match = t.router.Match(request.method, request.path);
  int status = 0;
  switch (match.outcome) {
    case tcj::http::RouteMatch::Outcome::bad_path:
      status = 400;
      break;
    case tcj::http::RouteMatch::Outcome::not_found:
      status = 404;
      break;
    case tcj::http::RouteMatch::Outcome::method_not_allowed:
      Require(!match.allow.empty());
      status = 405;
      break;
    case tcj::http::RouteMatch::Outcome::found: {
      Require(match.route != nullptr);
      std::size_t params = 0;
      for (char c : match.route->pattern) params += c == '{' ? 1 : 0;
      Require(match.params.size() == params);
      for (const auto& [name, value] : match.params) Require(!name.empty() && !value.empty());
      request.path_params = match.params;
      if (!parser.is_done()) {
        status = 400;  // the body never arrived complete
        break;
      }
      for (const auto& field : req) {
        request.headers.Add(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = req.body();
      const Response response = t.router.Dispatch(*match.route, request, t.log);
      status = response.status;
      Require(status >= 100 && status <= 599);
      break;
    }
  }
  CheckRedaction(request.query);
  const std::string query = tcj::core::RedactQuery(request.query);
  t.log.Info("http.request", {{"request_id", request.request_id},
                              {"method", request.method},
                              {"route", match.route != nullptr ? match.route->pattern : "unmatched"},
                              {"path", request.path},
                              {"query", query},
                              {"status", status}});
}

// The bytes the connection receives. Half the inputs are taken as they are (the parser's own edge
// cases); the other half get a well-formed request line around them (method from the second byte,
// request-target up to the first newline, the rest as header lines and body), so that the fuzzer
// spends its time behind the parser too: in routing, authentication, handlers and logging.
std::string Wire(std::string_view in) {
  if (in.size() < 2 || (static_cast<unsigned char>(in[0]) & 1) == 0) return std::string(in.substr(in.empty() ? 0 : 1));
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"};
  const std::string_view method = kMethods[static_cast<unsigned char>(in[1]) % std::size(kMethods)];
  in.remove_prefix(2);
  const auto newline = in.find('\n');
  const std::string_view target = in.substr(0, newline);
  const std::string_view rest = newline == std::string_view::npos ? std::string_view{} : in.substr(newline + 1);
  std::string wire = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: fuzz\r\n";
  wire.append(rest);
  if (rest.find("\r\n\r\n") == std::string_view::npos) wire.append("\r\n");
  return wire;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Target target;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Percent-encoding round-trips whatever the bytes are.
  const auto decoded = tcj::core::PercentDecode(tcj::core::PercentEncode(input));
  Require(decoded.has_value() && *decoded == input);

  // The bytes as one connection's worth of requests: parse, serve, and go on with what follows
  // (pipelining) until the bytes run out or a request is refused.
  const std::string wire = Wire(input);
  std::string_view rest = wire;
  for (int requests = 0; requests < 4; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(target.options.header_limit));
    parser.body_limit(target.options.default_body_limit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!rest.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (ec == bhttp::error::need_more) {
      ec = {};
      parser.put_eof(ec);  // the client closed the connection
    }
    if (!parser.is_header_done()) return 0;  // the server answers 400/431 and closes
    if (ec && ec != bhttp::error::partial_message) return 0;
    Serve(target, parser);
    if (!parser.is_done() || !parser.keep_alive()) return 0;
  }
  return 0;
}
