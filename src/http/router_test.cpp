#include "http/router.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "core/blocking.hpp"
#include "http/rate_limit.hpp"
#include "support/capture_sink.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;

Handler Ok(std::string body) {
  return [body](Request&) { return Response::Text(200, body); };
}

TEST(Router, RefusesARouteWithoutAuthentication) {
  Router r;
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/x", .auth = {}, .handler = Ok("x")}), RouteError);
}

TEST(Router, RefusesMalformedAndDuplicateRoutes) {
  Router r;
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "x", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a/{}", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a/b{c}", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = nullptr}), RouteError);
  r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("y")}), RouteError);
}

TEST(Router, MatchesLiteralsBeforeParametersAndDecodesParameters) {
  Router r;
  r.Add({.method = "GET", .pattern = "/api/v1/servers/{id}", .auth = {AuthKind::none}, .handler = Ok("one")});
  r.Add({.method = "GET", .pattern = "/api/v1/servers/new", .auth = {AuthKind::none}, .handler = Ok("new")});
  auto m = r.Match("GET", "/api/v1/servers/a%20b");
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(m.route->pattern, "/api/v1/servers/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "a b");
  EXPECT_EQ(r.Match("GET", "/api/v1/servers/new").route->pattern, "/api/v1/servers/new");
}

TEST(Router, DistinguishesNotFoundFromWrongMethod) {
  Router r;
  r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  r.Add({.method = "PUT", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  EXPECT_EQ(r.Match("GET", "/b").outcome, RouteMatch::Outcome::not_found);
  EXPECT_EQ(r.Match("GET", "/a/").outcome, RouteMatch::Outcome::not_found);
  auto m = r.Match("DELETE", "/a");
  EXPECT_EQ(m.outcome, RouteMatch::Outcome::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, PUT");
  EXPECT_EQ(r.Match("GET", "/a%zz").outcome, RouteMatch::Outcome::bad_path);
  EXPECT_EQ(r.Match("GET", "*").outcome, RouteMatch::Outcome::bad_path);
}

TEST(Router, TurnsHandlerExceptionsIntoGeneric500) {
  Router r;
  r.Add({.method = "GET", .pattern = "/boom", .auth = {AuthKind::none}, .handler = [](Request&) -> Response {
           throw std::runtime_error("secret detail");
         }});
  auto sink = std::make_shared<testing::CaptureSink>();
  core::Logger log(sink, core::LogLevel::info);
  Request req;
  req.request_id = "rid";
  const Response res = r.Dispatch(*r.Match("GET", "/boom").route, req, log);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret detail"), std::string::npos);
  EXPECT_NE(sink->all().find("secret detail"), std::string::npos);  // the detail is logged
}

// Exceptions of other layers' types get their answer from the mapper the application installs
// (a database outage: 503), in handlers and in authenticators alike; the rest a generic 500.
class Outage : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ThrowingAuthenticator : public Authenticator {
 public:
  bool Recognizes(const Request&) const override { return true; }
  std::optional<Response> Authenticate(Request&) const override { throw Outage("database down"); }
};

TEST(Router, TheExceptionMapperAnswersForHandlersAndAuthenticators) {
  Router r;
  r.Add({.method = "GET", .pattern = "/handler", .auth = {AuthKind::none}, .handler = [](Request&) -> Response {
           throw Outage("database down");
         }});
  r.Add({.method = "GET", .pattern = "/authenticated", .auth = {AuthKind::local_admin}, .handler = Ok("x")});
  r.SetAuthenticator(AuthKind::local_admin, std::make_shared<ThrowingAuthenticator>());
  r.SetExceptionMapper([](const std::exception& e, const Request&, const Route&) -> std::optional<Response> {
    if (dynamic_cast<const Outage*>(&e) == nullptr) return std::nullopt;
    return Response::Error(503, "unavailable", "try later");
  });
  auto sink = std::make_shared<testing::CaptureSink>();
  core::Logger log(sink, core::LogLevel::info);
  for (const std::string path : {"/handler", "/authenticated"}) {
    Request req;
    req.method = "GET";
    const Route& route = *r.Match("GET", path).route;
    EXPECT_EQ(r.Dispatch(route, req, log).status, 503) << path;
  }
  Request req;
  const auto refusal = r.Authenticate(*r.Match("GET", "/authenticated").route, req, log);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 503);
}

// Login CSRF and friends: a browser's state-changing request from another site's page is refused
// before authentication, whatever it carries; programs (no browser headers) are not concerned.
TEST(Router, StateChangingRequestsFromAnotherSitesPageAreRefused) {
  Router r;
  r.SetOwnOrigin("https://tcj.example.com");
  r.Add({.method = "POST", .pattern = "/api/v1/session", .auth = {AuthKind::none}, .handler = Ok("signed in")});
  r.Add({.method = "GET", .pattern = "/api/v1/session", .auth = {AuthKind::none}, .handler = Ok("read")});
  auto sink = std::make_shared<testing::CaptureSink>();
  core::Logger log(sink, core::LogLevel::info);
  const auto call = [&](const std::string& method, std::vector<std::pair<std::string, std::string>> headers) {
    Request req;
    req.method = method;
    for (auto& [name, value] : headers) req.headers.Add(name, value);
    return r.Dispatch(*r.Match(method, "/api/v1/session").route, req, log);
  };
  EXPECT_EQ(call("POST", {{"Sec-Fetch-Site", "cross-site"}}).status, 403);
  EXPECT_EQ(call("POST", {{"Sec-Fetch-Site", "same-site"}}).status, 403) << "a sibling subdomain is another party";
  EXPECT_EQ(call("POST", {{"Sec-Fetch-Site", "same-origin"}}).status, 200);
  EXPECT_EQ(call("POST", {{"Sec-Fetch-Site", "none"}}).status, 200);
  EXPECT_EQ(call("POST", {{"Origin", "https://evil.example"}, {"Host", "tcj.example.com"}}).status, 403);
  EXPECT_EQ(call("POST", {{"Origin", "null"}, {"Host", "tcj.example.com"}}).status, 403);
  EXPECT_EQ(call("POST", {{"Origin", "https://tcj.example.com"}, {"Host", "backend:8080"}}).status, 200);
  EXPECT_EQ(call("POST", {{"Origin", "http://127.0.0.1:8080"}, {"Host", "127.0.0.1:8080"}}).status, 200);
  EXPECT_EQ(call("POST", {}).status, 200) << "a program: no browser headers";
  EXPECT_EQ(call("GET", {{"Sec-Fetch-Site", "cross-site"}}).status, 200) << "reads are not concerned";
  const Response refused = call("POST", {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_NE(refused.body.find(R"("code":"cross_site")"), std::string::npos) << refused.body;
}

class HeaderOnly : public Authenticator {
 public:
  bool Recognizes(const Request&) const override { return true; }
  std::optional<Response> Authenticate(Request&) const override { return std::nullopt; }
  bool NeedsBody() const override { return false; }
};

TEST(Router, ARouteAuthenticatesOnHeadersOnlyWhenEveryKindItAcceptsDoes) {
  Router r;
  r.Add({.method = "POST", .pattern = "/hook", .auth = {AuthKind::webhook_secret}, .handler = Ok("x")});
  r.Add({.method = "POST", .pattern = "/both", .auth = {AuthKind::webhook_secret, AuthKind::connect_install},
         .handler = Ok("x")});
  r.Add({.method = "POST", .pattern = "/open", .auth = {AuthKind::none}, .handler = Ok("x")});
  r.SetAuthenticator(AuthKind::webhook_secret, std::make_shared<HeaderOnly>());
  r.SetAuthenticator(AuthKind::connect_install, std::make_shared<ThrowingAuthenticator>());
  EXPECT_TRUE(r.AuthenticatesOnHeaders(*r.Match("POST", "/hook").route));
  EXPECT_FALSE(r.AuthenticatesOnHeaders(*r.Match("POST", "/both").route));
  EXPECT_FALSE(r.AuthenticatesOnHeaders(*r.Match("POST", "/open").route));
}

// Rate limits in Dispatch: per client address before authentication, per tenant after it.

// Accepts "X-Tenant: <id>" as that tenant ("X-Tenant: bad" is refused); counts its calls.
class TenantHeaderAuthenticator : public Authenticator {
 public:
  bool Recognizes(const Request& request) const override { return request.headers.Get("X-Tenant").has_value(); }
  std::optional<Response> Authenticate(Request& request) const override {
    ++calls;
    const std::string tenant(*request.headers.Get("X-Tenant"));
    if (tenant == "bad") return Response::Error(401, "unauthenticated", "no");
    request.principal.tenant = core::TenantId(tenant);
    return std::nullopt;
  }
  mutable std::atomic<int> calls{0};
};

class RouterLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(
        {.method = "GET", .pattern = "/api/v1/servers", .auth = {AuthKind::local_admin}, .handler = Ok("list")});
    router_.Add({.method = "GET", .pattern = "/api/v1/anonymous", .auth = {AuthKind::none}, .handler = Ok("anon")});
    router_.Add({.method = "POST", .pattern = "/api/v1/session", .auth = {AuthKind::none}, .handler = [](Request& r) {
                   return r.body == "good" ? Response::Json(200, "{}") : Response::Error(401, "unauthenticated", "no");
                 }});
    router_.Add({.method = "GET", .pattern = "/healthz", .auth = {AuthKind::none}, .handler = Ok("ok")});
    router_.Add({.method = "GET",
                 .pattern = "/jira/issue-panel",
                 .auth = {AuthKind::local_admin},
                 .rate_limit = RateLimit::page_view,
                 .handler = Ok("panel")});
    router_.Add({.method = "GET", .pattern = "/forge-call", .auth = {AuthKind::forge}, .handler = Ok("forge")});
    router_.SetAuthenticator(AuthKind::forge, auth_);
    router_.SetRateLimit("POST", "/api/v1/session", RateLimit::sign_in);
    router_.SetRateLimit("GET", "/healthz", RateLimit::none);
    router_.SetAuthenticator(AuthKind::local_admin, auth_);
  }

  void Limit(RateLimitOptions options) {
    router_.SetRateLimiter(std::make_shared<RateLimiter>(options, clock_, registry_));
  }

  Response Call(std::string method, std::string path, std::string address, std::string tenant = "",
                std::string body = "") {
    Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.remote_address = std::move(address);
    req.body = std::move(body);
    req.request_id = "rid";
    if (!tenant.empty()) req.headers.Add("X-Tenant", tenant);
    const auto match = router_.Match(req.method, req.path);
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::found) << req.path;
    return router_.Dispatch(*match.route, req, log_);
  }

  std::string Metrics() const { return registry_.RenderPrometheus(); }

  static constexpr BucketSpec kLots{.per_second = 1000, .burst = 1000};
  core::ManualClock clock_;
  core::MetricsRegistry registry_;
  std::shared_ptr<TenantHeaderAuthenticator> auth_ = std::make_shared<TenantHeaderAuthenticator>();
  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
  Router router_;
};

TEST_F(RouterLimitsTest, WithoutALimiterNothingIsLimited) {
  for (int i = 0; i < 500; ++i) ASSERT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 200);
}

TEST_F(RouterLimitsTest, PerAddressLimitAnswers429WithRetryAfterBeforeAuthenticating) {
  Limit({.per_address = {.per_second = 2, .burst = 3}, .per_tenant = kLots});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 200) << i;
  const Response refused = Call("GET", "/api/v1/servers", "192.0.2.1", "t1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers.Get("Retry-After"), "1");
  EXPECT_NE(refused.body.find(R"({"error":{"code":"rate_limited","message":)"), std::string::npos) << refused.body;
  EXPECT_EQ(auth_->calls.load(), 3) << "a refused client must not cost an authentication";
  // Unauthenticated floods are limited as well, by the same bucket.
  EXPECT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 429);
  // Another address is not affected.
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.2", "t1").status, 200);
  clock_.Advance(500ms);
  EXPECT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 200);
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="ip"} 2)"), std::string::npos) << Metrics();
}

TEST_F(RouterLimitsTest, OneTenantFloodingDoesNotLimitAnother) {
  Limit({.per_address = kLots, .per_tenant = {.per_second = 1, .burst = 5}});
  // Tenant A floods, from many addresses: the tenant limit holds regardless of address.
  int a_admitted = 0;
  for (int i = 0; i < 50; ++i) {
    const Response r = Call("GET", "/api/v1/servers", "198.51.100." + std::to_string(i), "tenant-a");
    if (r.status == 200) ++a_admitted;
    if (r.status == 429) {
      EXPECT_EQ(r.headers.Get("Retry-After"), "1");
    }
  }
  EXPECT_EQ(a_admitted, 5);
  // Tenant B, even from an address that A just used, is served.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("GET", "/api/v1/servers", "198.51.100.49", "tenant-b").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "198.51.100.49", "tenant-b").status, 429);
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="tenant"} 46)"), std::string::npos) << Metrics();
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="ip"} 0)"), std::string::npos) << Metrics();
}

TEST_F(RouterLimitsTest, OneAddressIsLimitedAcrossTenants) {
  Limit({.per_address = {.per_second = 1, .burst = 3}, .per_tenant = kLots});
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "a").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "b").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "c").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "d").status, 429);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.2", "d").status, 200);
}

TEST_F(RouterLimitsTest, FailedSignInsAreLimitedFarMoreStrictly) {
  Limit({.per_address = kLots, .per_tenant = kLots, .sign_in_failures = {.per_second = 5.0 / 60.0, .burst = 5}});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "guess").status, 401) << i;
  // The sixth attempt is refused before the token is even looked at, the right token included.
  const Response refused = Call("POST", "/api/v1/session", "192.0.2.1", "", "good");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers.Get("Retry-After"), "12");
  // Other addresses, and other routes from this address, are not affected.
  EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.2", "", "good").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 200);
  // After 12 s, one more attempt.
  clock_.Advance(12s);
  EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "good").status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "guess").status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "good").status, 429);
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="sign_in"} 2)"), std::string::npos) << Metrics();
}

TEST_F(RouterLimitsTest, SuccessfulSignInsDoNotCountAsFailures) {
  Limit({.per_address = kLots, .per_tenant = kLots, .sign_in_failures = {.per_second = 5.0 / 60.0, .burst = 5}});
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "good").status, 200) << i;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "guess").status, 401) << i;
  EXPECT_EQ(Call("POST", "/api/v1/session", "192.0.2.1", "", "guess").status, 429);
}

// The issue panel: a large site's browsing neither meets the API's limits nor uses them up.
TEST_F(RouterLimitsTest, PageViewsHaveTheirOwnBudgetsPerAddressAndPerSite) {
  Limit({.per_address = {.per_second = 1, .burst = 2},
         .per_tenant = {.per_second = 1, .burst = 2},
         .page_views_per_address = {.per_second = 1, .burst = 30},
         .page_views_per_tenant = {.per_second = 1, .burst = 50}});
  for (int i = 0; i < 30; ++i) ASSERT_EQ(Call("GET", "/jira/issue-panel", "192.0.2.1", "t1").status, 200) << i;
  EXPECT_EQ(Call("GET", "/jira/issue-panel", "192.0.2.1", "t1").status, 429) << "the page-view budget of an address";
  // The API budgets were not touched, of the address or of the site.
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 429);
  // The site's page-view budget holds across addresses.
  int admitted = 0;
  for (int i = 0; i < 40; ++i) {
    admitted += Call("GET", "/jira/issue-panel", "198.51.100." + std::to_string(i), "t1").status == 200 ? 1 : 0;
  }
  EXPECT_EQ(admitted, 20);
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="ip_page_view"} 1)"), std::string::npos) << Metrics();
  EXPECT_NE(Metrics().find(R"(http_rate_limited_total{scope="tenant_page_view"} 20)"), std::string::npos) << Metrics();
}

// Forge's calls for every site come from Atlassian's few addresses: limited per site only.
TEST_F(RouterLimitsTest, ForgeCallsAreNotLimitedPerAddress) {
  Limit({.per_address = {.per_second = 1, .burst = 2}, .per_tenant = {.per_second = 1, .burst = 5}});
  for (int site = 0; site < 10; ++site) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(Call("GET", "/forge-call", "192.0.2.1", "site-" + std::to_string(site)).status, 200) << site;
    }
  }
  EXPECT_EQ(Call("GET", "/forge-call", "192.0.2.1", "site-0").status, 429) << "the site's own limit holds";
}

// Execution::io_thread_first: a step that would block throws WouldBlock; Dispatch again with the
// same progress goes on from there: authentication and the tenant's limit are not repeated.
TEST_F(RouterLimitsTest, ADispatchThatWouldBlockGoesOnWhereItStopped) {
  Limit({.per_address = kLots, .per_tenant = {.per_second = 1, .burst = 2}});
  int runs = 0;
  router_.Add({.method = "GET",
               .pattern = "/api/v1/cached",
               .auth = {AuthKind::local_admin},
               .execution = Execution::io_thread_first,
               .handler = [&runs](Request&) {
                 ++runs;
                 core::MayBlock();
                 return Response::Text(200, "read");
               }});
  Request req;
  req.method = "GET";
  req.path = "/api/v1/cached";
  req.remote_address = "192.0.2.1";
  req.headers.Add("X-Tenant", "t1");
  const Route& route = *router_.Match("GET", "/api/v1/cached").route;
  Prechecked done;
  {
    core::NonBlockingScope io_thread;
    EXPECT_THROW(router_.Dispatch(route, req, log_, done), core::WouldBlock);
  }
  EXPECT_TRUE(done.admitted && done.authenticated && done.tenant_admitted);
  EXPECT_EQ(router_.Dispatch(route, req, log_, done).status, 200);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(auth_->calls.load(), 1) << "authenticated once";
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 200) << "one of two tenant tokens was used";
  EXPECT_EQ(Call("GET", "/api/v1/servers", "192.0.2.1", "t1").status, 429);
}

TEST_F(RouterLimitsTest, UnlimitedRoutesStayUnlimited) {
  Limit({.per_address = {.per_second = 1, .burst = 1}, .per_tenant = {.per_second = 1, .burst = 1}});
  EXPECT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/anonymous", "192.0.2.1").status, 429);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(Call("GET", "/healthz", "192.0.2.1").status, 200) << i;
}

TEST_F(RouterLimitsTest, ARateLimitCanOnlyBeSetOnARouteThatExists) {
  EXPECT_THROW(router_.SetRateLimit("GET", "/nope", RateLimit::none), RouteError);
  EXPECT_THROW(router_.SetRateLimit("PUT", "/healthz", RateLimit::none), RouteError);
}

}  // namespace
}  // namespace tcj::http
