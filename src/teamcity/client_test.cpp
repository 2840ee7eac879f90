// The REST client against a recording stand-in for the network: where its requests go when
// TeamCity's answers are hostile, and what its errors say.
#include "teamcity/client.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "core/text.hpp"
#include "http/retry_after.hpp"
#include "teamcity/connection.hpp"

namespace tcj::teamcity {
namespace {

// Answers from a queue and records every URL asked for.
class Recording final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    urls.push_back(request.url);
    if (answers.empty()) return http::ClientResponse{.status = 404, .headers = {}, .body = "{}"};
    auto next = std::move(answers.front());
    answers.pop_front();
    return next;
  }
  std::deque<http::ClientResponse> answers;
  std::vector<std::string> urls;
};

http::ClientResponse Ok(std::string body) { return {.status = 200, .headers = {}, .body = std::move(body)}; }

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<Client> Make() {
    tenants::TeamCityCredentials credentials;
    credentials.kind = tenants::TeamCityAuthKind::token;
    credentials.token = core::Secret("tok-secret");
    return MakeRestClient(http_, {"https://tc.example.com", std::move(credentials)}, {});
  }
  std::shared_ptr<Recording> http_ = std::make_shared<Recording>();
};

TEST(IsServerPath, OnlyPathsOfTheSameServer) {
  for (const char* ok : {"/app/rest/builds?locator=count:100,start:100", "/guestAuth/app/rest/changes?locator=a@b",
                         "/app/rest/changes?locator=count:2,start:2,build:(id:1298)"}) {
    EXPECT_TRUE(IsServerPath(ok)) << ok;
  }
  for (const char* bad : {"", "/", "@evil.example/x", "//evil.example/x", "https://evil.example/x",
                          "/@evil.example/x", "/\\evil.example", "/app/rest/../../admin", "/app/rest/..",
                          "/app/./rest", "/app/rest builds", "/app/rest\r\nX: y", "/app/rest#frag",
                          "app/rest/builds"}) {
    EXPECT_FALSE(IsServerPath(bad)) << bad;
  }
}

// The review's finding: a change page's nextHref of "@other.host/x" joined to the base URL would
// send the TeamCity credentials to other.host.
TEST_F(ClientTest, AChangePageLinkingToAnotherHostStopsThereWithoutARequest) {
  http_->answers.push_back(
      Ok(R"({"count":1,"nextHref":"@evil.example/app/rest/changes","change":[{"id":1,"version":"a1"}]})"));
  auto changes = Make()->Changes(core::BuildId(7), 1000);
  ASSERT_FALSE(changes.ok());
  EXPECT_EQ(changes.error().code, "teamcity.bad_payload");
  ASSERT_EQ(http_->urls.size(), 1u);
  for (const auto& url : http_->urls) EXPECT_EQ(url.find("evil"), std::string::npos) << url;
}

TEST_F(ClientTest, ChangePagesOfTheSameServerAreFollowed) {
  http_->answers.push_back(Ok(R"({"nextHref":"/app/rest/changes?locator=build:(id:7),start:1",)"
                              R"("change":[{"id":1,"version":"a1"}]})"));
  http_->answers.push_back(Ok(R"({"change":[{"id":2,"version":"a2"}]})"));
  auto changes = Make()->Changes(core::BuildId(7), 1000);
  ASSERT_TRUE(changes.ok()) << changes.error().message;
  EXPECT_EQ(changes->size(), 2u);
  ASSERT_EQ(http_->urls.size(), 2u);
  EXPECT_EQ(http_->urls[1], "https://tc.example.com/app/rest/changes?locator=build:(id:7),start:1");
}

TEST_F(ClientTest, ABuildPageLinkingToAnotherHostIsRefused) {
  auto page = Make()->NextPage("@evil.example/app/rest/builds");
  ASSERT_FALSE(page.ok());
  EXPECT_TRUE(http_->urls.empty());
}

TEST(ErrorFromResponse, RetryAfterIsBoundedWhateverTeamCitySays) {
  http::ClientResponse busy{.status = 503, .headers = {}, .body = ""};
  busy.headers.Add("Retry-After", "9223372036854775807");
  EXPECT_EQ(ErrorFromResponse(busy).retry_after, http::kMaxRetryAfter);
  http::ClientResponse garbage{.status = 429, .headers = {}, .body = ""};
  garbage.headers.Add("Retry-After", "tomorrow-ish");
  const auto e = ErrorFromResponse(garbage);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after, std::nullopt);
}

TEST(ErrorFromResponse, TeamCitysWordsBecomeOnePrintableLineOfValidUtf8) {
  const http::ClientResponse broken{.status = 500, .headers = {}, .body = "Internal \xFF\xFE error\x1B[31m \xC3"};
  const auto e = ErrorFromResponse(broken);
  EXPECT_TRUE(core::IsValidUtf8(e.message)) << e.message;
  EXPECT_NE(e.message.find("Internal error"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace tcj::teamcity
