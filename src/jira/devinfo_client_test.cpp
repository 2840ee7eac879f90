#include "jira/devinfo_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <functional>

#include "crypto/jwt.hpp"
#include "jira/delivery.hpp"
#include "jira/devinfo_json.hpp"
#include "jira/oauth_tokens.hpp"
#include "support/capture_sink.hpp"

namespace tcj::jira {
namespace {

using nlohmann::json;

// Answers requests with a function of the request, and records them.
class ScriptedHttp final : public http::HttpClient {
 public:
  std::function<http::ClientResponse(const http::ClientRequest&)> answer;
  std::vector<http::ClientRequest> sent;
  core::Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    sent.push_back(request);
    return answer(request);
  }
};

http::ClientResponse Answer(int status, std::string body = "", std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  for (auto& [n, v] : headers) r.headers.Add(n, v);
  return r;
}

// 202 accepting every build of the request.
http::ClientResponse AcceptAll(const http::ClientRequest& request) {
  const auto doc = json::parse(request.body);
  json accepted = json::array();
  for (const auto& b : doc["builds"]) accepted.push_back({{"pipelineId", b["pipelineId"]}, {"buildNumber", b["buildNumber"]}});
  return Answer(202, json{{"acceptedBuilds", accepted}, {"rejectedBuilds", json::array()}, {"unknownIssueKeys", json::array()}}.dump());
}

Build MakeBuild(std::int64_t n, std::string display = "Build") {
  Build b;
  b.pipeline_id = "tc-main-bt1";
  b.build_number = n;
  b.update_sequence_number = n;
  b.display_name = std::move(display);
  b.url = "https://tc.example.com/build/" + std::to_string(n);
  b.state = BuildState::successful;
  b.last_updated = "2026-11-29T04:46:31Z";
  b.issue_keys = {"ABC-1"};
  return b;
}

// The build as the sync's outbox stores and sends it.
PreparedRecord Prepared(const Build& build) {
  return {KeyOf(build), BuildRecordJson(build)};
}

class DevInfoClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedHttp> http_ = std::make_shared<ScriptedHttp>();
  core::MetricsRegistry registry_;
  DevInfoMetrics metrics_{registry_};
  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::ManualClock clock_{core::Clock::TimePoint{std::chrono::seconds{1'700'000'000}}};
  DevInfoClient client_{http_, "https://api.atlassian.com", "TeamCity", metrics_, clock_, core::Logger(sink_, core::LogLevel::info)};
  Site connect_{core::TenantId("t-1"), SiteKind::connect, "https://acme.atlassian.net", "client-1", "", "", ""};
  std::unique_ptr<Authorizer> auth_ =
      MakeConnectAuthorizer("com.example.teamcity-jira", "https://acme.atlassian.net", core::Secret("s3cret"), clock_);
};

TEST_F(DevInfoClientTest, SignsConnectRequestsWithTheRightQsh) {
  http_->answer = AcceptAll;
  auto result = client_.SubmitBuilds(connect_, *auth_, {MakeBuild(1)}, {{"tcServerId", "srv-1"}});
  ASSERT_TRUE(result.delivered());
  ASSERT_EQ(http_->sent.size(), 1u);
  const auto& req = http_->sent[0];
  EXPECT_EQ(req.url, "https://acme.atlassian.net/rest/builds/0.1/bulk");
  EXPECT_EQ(req.method, "POST");
  const std::string header(*req.headers.Get("Authorization"));
  ASSERT_TRUE(header.starts_with("JWT "));
  auto jwt = crypto::DecodeJwt(header.substr(4));
  ASSERT_TRUE(jwt.ok());
  EXPECT_TRUE(crypto::VerifyHs256(*jwt, "s3cret"));
  EXPECT_EQ(jwt->claims.iss, "com.example.teamcity-jira");
  EXPECT_EQ(jwt->claims.qsh, "0947f5bc05f2c4728bc2e3905089951a4aa601772a79268aa983e2ef881b79ff");  // vector V2
  EXPECT_LE(*jwt->claims.exp - *jwt->claims.iat, 180);
  EXPECT_EQ(result.response.accepted.size(), 1u);
}

TEST_F(DevInfoClientTest, DeleteByPropertiesSignsTheQueryToo) {
  http_->answer = [](const http::ClientRequest&) { return Answer(202); };
  ASSERT_TRUE(client_.DeleteBuildsByProperties(connect_, *auth_, {{"tcServer", "tc-01"}, {"accountId", "acc 123"}}).ok());
  const auto& req = http_->sent[0];
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(req.url, "https://acme.atlassian.net/rest/builds/0.1/bulkByProperties?tcServer=tc-01&accountId=acc%20123");
  auto jwt = crypto::DecodeJwt(std::string(req.headers.Get("Authorization")->substr(4)));
  EXPECT_EQ(jwt->claims.qsh, "c0f89a72c74451ee2935825b457ffd5e64850ee91e9393bf5aa8568f397cbe2a");  // vector V3
  EXPECT_FALSE(client_.DeleteBuildsByProperties(connect_, *auth_, {}).ok());
}

TEST_F(DevInfoClientTest, A400IsSplitUntilTheBadRecordStandsAlone) {
  // Jira refuses any request that contains the bad record, without saying which it is.
  http_->answer = [](const http::ClientRequest& r) {
    if (r.body.find("POISON") != std::string::npos) return Answer(400, R"([{"message":"Invalid request"}])");
    return AcceptAll(r);
  };
  std::vector<Build> builds;
  for (int i = 1; i <= 7; ++i) builds.push_back(MakeBuild(i, i == 5 ? "POISON" : "Build"));
  auto result = client_.SubmitBuilds(connect_, *auth_, builds, {});
  EXPECT_TRUE(result.delivered());
  EXPECT_EQ(result.response.accepted.size(), 6u);
  ASSERT_EQ(result.response.rejected.size(), 1u);
  EXPECT_EQ(std::get<BuildKey>(result.response.rejected[0].key).build_number, 5);
  EXPECT_EQ(result.response.rejected[0].messages, std::vector<std::string>{"Invalid request"});
  EXPECT_LE(result.requests, 1 + 2 * 3 + 1);  // about log2(n) rounds, not one request per record
}

TEST_F(DevInfoClientTest, A413IsSplitToo) {
  http_->answer = [](const http::ClientRequest& r) {
    if (json::parse(r.body)["builds"].size() > 2) return Answer(413, R"([{"message":"Payload too large"}])");
    return AcceptAll(r);
  };
  std::vector<Build> builds;
  for (int i = 1; i <= 8; ++i) builds.push_back(MakeBuild(i));
  auto result = client_.SubmitBuilds(connect_, *auth_, builds, {});
  EXPECT_TRUE(result.delivered());
  EXPECT_EQ(result.response.accepted.size(), 8u);
}

TEST_F(DevInfoClientTest, ClassifiesFailures) {
  struct Case {
    int status;
    std::vector<std::pair<std::string, std::string>> headers;
    bool retryable;
    core::ErrorKind kind;
    std::optional<std::chrono::seconds> retry_after;
  };
  const std::vector<Case> cases = {
      {429, {{"Retry-After", "7"}}, true, core::ErrorKind::rate_limited, std::chrono::seconds(7)},
      {503, {{"Retry-After", "3"}}, true, core::ErrorKind::unavailable, std::chrono::seconds(3)},
      {429, {}, true, core::ErrorKind::rate_limited, std::nullopt},
      {500, {}, true, core::ErrorKind::unavailable, std::nullopt},
      {502, {}, true, core::ErrorKind::unavailable, std::nullopt},
      {401, {}, false, core::ErrorKind::unauthenticated, std::nullopt},
      {403, {}, false, core::ErrorKind::forbidden, std::nullopt},
      {404, {}, false, core::ErrorKind::not_found, std::nullopt},
      {302, {{"Location", "https://renamed.atlassian.net/rest/builds/0.1/bulk"}}, false, core::ErrorKind::unavailable, std::nullopt},
  };
  for (const Case& c : cases) {
    http_->answer = [&c](const http::ClientRequest&) { return Answer(c.status, "", c.headers); };
    auto result = client_.SubmitBuilds(connect_, *auth_, {MakeBuild(1)}, {});
    ASSERT_FALSE(result.delivered()) << c.status;
    EXPECT_EQ(result.error->retryable, c.retryable) << c.status;
    EXPECT_EQ(result.error->kind, c.kind) << c.status;
    EXPECT_EQ(result.error->retry_after, c.retry_after) << c.status;
  }
}

TEST_F(DevInfoClientTest, RetriesWaitAtLeastWhatJiraAsked) {
  int calls = 0;
  http_->answer = [&calls](const http::ClientRequest& r) {
    return ++calls == 1 ? Answer(429, "", {{"Retry-After", "2"}}) : AcceptAll(r);
  };
  std::vector<std::chrono::milliseconds> waits;
  RetryOptions options;
  options.sleep = [&waits](std::chrono::milliseconds d) { waits.push_back(d); };
  auto result = SubmitBuildsWithRetries(client_, connect_, *auth_, {Prepared(MakeBuild(1))}, {}, options);
  EXPECT_TRUE(result.delivered());
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_GE(waits[0], std::chrono::seconds(2));
  // A wait longer than max_wait is left to the caller's queue.
  calls = 0;
  http_->answer = [](const http::ClientRequest&) { return Answer(429, "", {{"Retry-After", "600"}}); };
  waits.clear();
  auto later = SubmitBuildsWithRetries(client_, connect_, *auth_, {Prepared(MakeBuild(1))}, {}, options);
  EXPECT_FALSE(later.delivered());
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(later.error->retry_after, std::chrono::seconds(600));
  // Not retried at all when retrying cannot help.
  http_->sent.clear();
  http_->answer = [](const http::ClientRequest&) { return Answer(403); };
  SubmitBuildsWithRetries(client_, connect_, *auth_, {Prepared(MakeBuild(1))}, {}, options);
  EXPECT_EQ(http_->sent.size(), 1u);
}

TEST_F(DevInfoClientTest, ARetryAfterDateIsReadAgainstTheInjectedClock) {
  // 1 700 000 000 is Tue, 14 Nov 2023 22:13:20 GMT: the date below is 40 s later.
  http_->answer = [](const http::ClientRequest&) {
    return Answer(503, "", {{"Retry-After", "Tue, 14 Nov 2023 22:14:00 GMT"}});
  };
  EXPECT_EQ(client_.SubmitBuilds(connect_, *auth_, {MakeBuild(1)}, {}).error->retry_after, std::chrono::seconds(40));
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_EQ(client_.SubmitBuilds(connect_, *auth_, {MakeBuild(1)}, {}).error->retry_after, std::chrono::seconds(10));
}

TEST(OAuthTokens, CachesUntilShortlyBeforeExpiryAndRefreshesOnce) {
  auto http = std::make_shared<ScriptedHttp>();
  int issued = 0;
  http->answer = [&issued](const http::ClientRequest& r) {
    const auto body = json::parse(r.body);
    if (body["client_secret"] != "good") return Answer(401, R"({"error":"access_denied"})");
    return Answer(200, json{{"access_token", "tok-" + std::to_string(++issued)}, {"expires_in", 3600},
                            {"token_type", "Bearer"}}.dump());
  };
  core::ManualClock clock;
  OAuthTokens tokens(http, "https://api.atlassian.com/oauth/token", clock,
                     core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::info));
  EXPECT_EQ(tokens.Get("id", core::Secret("good"))->reveal(), "tok-1");
  EXPECT_EQ(tokens.Get("id", core::Secret("good"))->reveal(), "tok-1");
  EXPECT_EQ(http->sent.size(), 1u);
  EXPECT_NE(http->sent[0].body.find("\"audience\":\"api.atlassian.com\""), std::string::npos);
  clock.Advance(std::chrono::seconds(3600 - 59));  // within the last minute: a fresh token
  EXPECT_EQ(tokens.Get("id", core::Secret("good"))->reveal(), "tok-2");
  tokens.Invalidate("id");
  EXPECT_EQ(tokens.Get("id", core::Secret("good"))->reveal(), "tok-3");
  auto refused = tokens.Get("other", core::Secret("bad"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, core::ErrorKind::unauthenticated);
  EXPECT_FALSE(refused.error().retryable);

  // The bearer authorizer asks for one fresh token after a 401, then gives up.
  auto auth = MakeOAuthAuthorizer(tokens, "id", core::Secret("good"));
  EXPECT_EQ(*auth->Header("POST", "https://api.atlassian.com/x"), "Bearer tok-3");
  EXPECT_TRUE(auth->Refresh());
  EXPECT_EQ(*auth->Header("POST", "https://api.atlassian.com/x"), "Bearer tok-4");
  EXPECT_FALSE(auth->Refresh());
}

TEST(Endpoints, ConnectSitesTheApiGatewayAndForgeInstallations) {
  Site connect{core::TenantId("t"), SiteKind::connect, "https://acme.atlassian.net", "ck", "", "", ""};
  EXPECT_EQ(EndpointsFor(connect, "https://api.atlassian.com").builds, "https://acme.atlassian.net/rest/builds/0.1");
  Site oauth{core::TenantId("t"), SiteKind::oauth, "https://acme.atlassian.net", "", "cloud-1", "cid", ""};
  EXPECT_EQ(EndpointsFor(oauth, "https://api.atlassian.com").deployments,
            "https://api.atlassian.com/jira/deployments/0.1/cloud/cloud-1");
  Site forge{core::TenantId("t"), SiteKind::forge, "https://acme.atlassian.net", "", "cloud-1", "",
             "https://api.atlassian.com/ex/jira/cloud-1"};
  EXPECT_EQ(EndpointsFor(forge, "https://api.atlassian.com").builds,
            "https://api.atlassian.com/ex/jira/cloud-1/rest/builds/0.1");
}

TEST(ForgeAuthorizer, SendsTheSystemTokenOnlyWhileItIsValid) {
  core::ManualClock clock{core::Clock::TimePoint(std::chrono::seconds(1'800'000'000))};
  int refused = 0;
  auto auth = MakeForgeAuthorizer(core::Secret("sys-token"), clock.Now() + std::chrono::minutes(10), clock,
                                  [&refused] { ++refused; });
  EXPECT_EQ(*auth->Header("POST", "https://api.atlassian.com/ex/jira/c/rest/builds/0.1/bulk"), "Bearer sys-token");
  EXPECT_FALSE(auth->Refresh()) << "Forge has no way to ask for a token";
  EXPECT_FALSE(auth->Refresh());
  EXPECT_EQ(refused, 1) << "a refused token is dropped, once";
  clock.Advance(std::chrono::minutes(10) - std::chrono::seconds(20));
  const auto late = auth->Header("POST", "https://api.atlassian.com/ex/jira/c/rest/builds/0.1/bulk");
  ASSERT_FALSE(late.ok()) << "never within a request's time of the expiry";
  EXPECT_TRUE(late.error().retryable);
  EXPECT_EQ(late.error().code, "forge.token_expired");
}

}  // namespace
}  // namespace tcj::jira
