#include "web/pages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/capture_sink.hpp"
#include "web/start_page.hpp"

namespace tcj::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Accepts any request that carries a jwt parameter: the Connect authenticators have their own tests.
class AnyJwt final : public http::Authenticator {
 public:
  bool Recognizes(const http::Request& r) const override { return r.query.find("jwt=") != std::string::npos; }
  std::optional<http::Response> Authenticate(http::Request&) const override { return std::nullopt; }
};

class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.SetAuthenticator(http::AuthKind::connect_jwt, std::make_shared<AnyJwt>());
    AddPageRoutes(router_, {.all_js_url = "https://connect-cdn.atl-paas.net/all.js",
                            .jira_site_hosts = {"*.atlassian.net"},
                            .allow_http_sites = false});
    AddStartPage(router_,
                 {.version = "1.2.3",
                  .public_url = "https://tcj.example.com/<b>",
                  .forge_configured = false,
                  .not_ready_reason = [this] { return not_ready_reason_; }},
                 {.all_js_url = "https://connect-cdn.atl-paas.net/all.js", .jira_site_hosts = {"*.atlassian.net"}});
    router_.Validate();
  }

  http::Response Get(const std::string& path, const std::string& query = "", const std::string& etag = "") {
    http::Request r;
    r.method = "GET";
    r.path = path;
    r.query = query;
    r.request_id = "t";
    if (!etag.empty()) r.headers.Add("If-None-Match", etag);
    const auto m = router_.Match("GET", path);
    if (m.outcome != http::RouteMatch::Outcome::found) return http::Response::Error(404, "not_found", "");
    r.path_params = m.params;
    return router_.Dispatch(*m.route, r, log_);
  }

  core::Logger log_{std::make_shared<testing::CaptureSink>(), core::LogLevel::error};
  http::Router router_;
  std::string not_ready_reason_;
};

TEST_F(PagesTest, TheStandalonePageIsNeverFramedAndRunsNoInlineScript) {
  const auto page = Get("/admin");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(std::string(*page.headers.Get("Content-Type")), HasSubstr("text/html"));
  const std::string csp(*page.headers.Get("Content-Security-Policy"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
  EXPECT_THAT(csp, Not(HasSubstr("unsafe")));
  EXPECT_EQ(page.headers.Get("X-Frame-Options"), std::optional<std::string_view>("DENY"));
  EXPECT_EQ(page.headers.Get("X-Content-Type-Options"), std::optional<std::string_view>("nosniff"));
  EXPECT_EQ(page.headers.Get("Referrer-Policy"), std::optional<std::string_view>("no-referrer"));
  EXPECT_THAT(page.body, HasSubstr("data-host=\"standalone\""));
  EXPECT_THAT(page.body, HasSubstr("/static/"));
}

TEST_F(PagesTest, TheJiraPageMayBeFramedByJiraSitesOnlyAndLoadsAllJs) {
  const auto page = Get("/jira/configure", "xdm_e=https%3A%2F%2Fa.atlassian.net&jwt=x");
  ASSERT_EQ(page.status, 200);
  const std::string csp(*page.headers.Get("Content-Security-Policy"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors https://*.atlassian.net"));
  EXPECT_THAT(csp, HasSubstr("script-src 'self' https://connect-cdn.atl-paas.net;"));
  EXPECT_FALSE(page.headers.Get("X-Frame-Options").has_value());
  EXPECT_THAT(page.body, HasSubstr("<script src=\"https://connect-cdn.atl-paas.net/all.js\"></script>"));
  EXPECT_THAT(page.body, Not(HasSubstr("{{ALL_JS_URL}}")));
  EXPECT_THAT(page.body, HasSubstr("data-host=\"jira\""));
}

TEST_F(PagesTest, TheStartPageSaysWhatThisIsWhetherItIsReadyAndWhereToGoNext) {
  const auto page = Get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(std::string(*page.headers.Get("Content-Type")), HasSubstr("text/html"));
  const std::string csp(*page.headers.Get("Content-Security-Policy"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
  EXPECT_EQ(page.headers.Get("X-Frame-Options"), std::optional<std::string_view>("DENY"));
  EXPECT_EQ(page.headers.Get("X-Content-Type-Options"), std::optional<std::string_view>("nosniff"));
  EXPECT_EQ(page.headers.Get("Referrer-Policy"), std::optional<std::string_view>("no-referrer"));
  EXPECT_EQ(page.headers.Get("Cache-Control"), std::optional<std::string_view>("no-store"));

  EXPECT_THAT(page.body, HasSubstr("Version 1.2.3"));
  EXPECT_THAT(page.body, HasSubstr("is-ready\" role=\"status\">Ready:"));
  EXPECT_THAT(page.body, HasSubstr("href=\"/admin\""));
  EXPECT_THAT(page.body, HasSubstr("teamcity-jira admin-tokens create --site"));
  EXPECT_THAT(page.body, HasSubstr("teamcity-jira forge manifest"));
  EXPECT_THAT(page.body, HasSubstr("Set <code>forge.app_id</code>"));
  EXPECT_THAT(page.body, HasSubstr("teamcity-jira sites add"));
  EXPECT_THAT(page.body, HasSubstr("teamcity-jira doctor --config FILE"));
  // The configured address is escaped, never markup.
  EXPECT_THAT(page.body, HasSubstr("https://tcj.example.com/&lt;b&gt;/atlassian-connect.json"));
  EXPECT_THAT(page.body, Not(HasSubstr("<b>")));
  EXPECT_THAT(page.body, Not(HasSubstr("{{")));
  EXPECT_THAT(page.body, Not(HasSubstr("<script")));

  not_ready_reason_ = "schema_behind";
  const auto behind = Get("/");
  EXPECT_EQ(behind.status, 200);
  EXPECT_THAT(behind.body, HasSubstr("is-not-ready\" role=\"status\">Not ready: the database schema is older"));
  EXPECT_THAT(behind.body, HasSubstr("teamcity-jira migrate"));
  not_ready_reason_ = "unreachable";
  EXPECT_THAT(Get("/").body, HasSubstr("Not ready: the database cannot be reached."));
  not_ready_reason_ = "<script>";
  EXPECT_THAT(Get("/").body, HasSubstr("Not ready (&lt;script&gt;)."));
}

TEST_F(PagesTest, TheJiraPageNeedsJirasToken) {
  EXPECT_EQ(Get("/jira/configure").status, 401);
}

TEST_F(PagesTest, StaticFilesHaveTypesAndRevalidate) {
  const auto script = Get("/static/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.headers.Get("Content-Type"), std::optional<std::string_view>("text/javascript; charset=utf-8"));
  EXPECT_EQ(script.headers.Get("X-Content-Type-Options"), std::optional<std::string_view>("nosniff"));
  const std::string etag(*script.headers.Get("ETag"));
  const auto again = Get("/static/app.js", "", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/static/app.css").headers.Get("Content-Type"),
            std::optional<std::string_view>("text/css; charset=utf-8"));
  EXPECT_EQ(Get("/static/missing.js").status, 404);
  EXPECT_EQ(Get("/static/..%2Fadmin.html").status, 404);
}

}  // namespace
}  // namespace tcj::web
