// What someone trying the service for the first time meets: `make run` (serve --trial-site on the
// embedded database) prints a sign-in token for a trial site and a summary that says what to do
// next, the token opens the admin pages, and a second start neither makes another site nor shows
// a token again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include "e2e/e2e_support.hpp"
#include "support/raw_http.hpp"

namespace tcj::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// An admin token: the prefix and 256 bits in base64url.
const std::regex kAnyToken(R"(tcj_[A-Za-z0-9_-]{40,})");

class FirstRunE2E : public E2ETest {
 protected:
  // The summary is the last thing serve writes at start; its "Next" line ends it.
  std::string ServeAndReadSummary(std::vector<std::string> env, std::vector<std::string> args) {
    Serve(std::move(env), std::move(args));
    auto out = serve_->WaitForOutput("  Next", 60s);
    EXPECT_TRUE(out.has_value()) << serve_->Output();
    WaitForLineEnd();
    return serve_->Output();
  }

  void WaitForLineEnd() {
    // The summary is written in one piece; give the sink its batch interval to flush it.
    for (int i = 0; i < 50; ++i) {
      const std::string out = serve_->Output();
      const auto at = out.find("  Next");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) return;
      std::this_thread::sleep_for(100ms);
    }
  }

  void Stop() {
    serve_->Signal(SIGTERM);
    EXPECT_EQ(serve_->WaitForExit(30s), std::optional<int>(0)) << serve_->Output();
    serve_.reset();
  }
};

TEST_F(FirstRunE2E, MakeRunOffersATrialSiteWhoseTokenOpensTheAdminPagesOnce) {
  Migrate();
  const std::string first = ServeAndReadSummary({"TCJ_LOG_FORMAT=text"}, {"--trial-site"});

  // Readable lines, not JSON, as log.format = text asks.
  EXPECT_THAT(first, HasSubstr(" INFO  serve.listening public=http://127.0.0.1:"));
  EXPECT_THAT(first, Not(HasSubstr("{\"ts\":")));
  // The token, once, on its own line; never inside a log line.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first, m, std::regex(R"(\n    (tcj_[A-Za-z0-9_-]{40,})\n)"))) << first;
  const std::string token = m[1];
  std::size_t seen = 0;
  for (std::size_t at = first.find(token); at != std::string::npos; at = first.find(token, at + 1)) ++seen;
  EXPECT_EQ(seen, 1u) << first;
  EXPECT_THAT(first, HasSubstr("it is shown only once"));
  // The summary: where, which database, what there is, and the next step.
  EXPECT_THAT(first, HasSubstr("is serving\n"));
  EXPECT_THAT(first, HasSubstr("  Database  embedded cluster in "));
  EXPECT_THAT(first, HasSubstr("  Sites     1 active (1 trial); 0 TeamCity servers\n"));
  EXPECT_THAT(first, HasSubstr("  Next      Open http://127.0.0.1:8080/admin and sign in with the trial site's token "
                               "printed above"));

  // The token signs in, and the site says what it is.
  const auto signed_in =
      testing::HttpRequest(public_port_, "POST", "/api/v1/session", nlohmann::json{{"token", token}}.dump(),
                           "Content-Type: application/json\r\n");
  ASSERT_TRUE(signed_in.has_value());
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  const std::string cookie = signed_in->Header("Set-Cookie").value_or("");
  const std::string session = cookie.substr(0, cookie.find(';'));
  ASSERT_THAT(session, HasSubstr("tcj_session="));
  const auto site = testing::HttpGet(public_port_, "/api/v1/site", "Cookie: " + session + "\r\n");
  ASSERT_TRUE(site.has_value());
  ASSERT_EQ(site->status, 200) << site->body;
  const auto body = nlohmann::json::parse(site->body);
  EXPECT_EQ(body["link"], "trial");
  EXPECT_EQ(body["url"], "https://trial.invalid");
  // The start page greets whoever opens the address, and says it is ready.
  const auto start = testing::HttpGet(public_port_, "/");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->status, 200);
  EXPECT_THAT(start->body, HasSubstr(">Ready: the database is reachable"));
  Stop();

  // A second start: the same site, no token shown again, and how to get another.
  const std::string second = ServeAndReadSummary({"TCJ_LOG_FORMAT=text"}, {"--trial-site"});
  EXPECT_FALSE(std::regex_search(second, kAnyToken)) << second;
  EXPECT_THAT(second, HasSubstr("  Sites     1 active (1 trial); 0 TeamCity servers\n"));
  EXPECT_THAT(second, HasSubstr("Lost it? `teamcity-jira admin-tokens create --site https://trial.invalid"));
}

TEST_F(FirstRunE2E, WithoutATerminalTheSummaryIsOneJsonLineAndNoSiteIsMadeUnasked) {
  Migrate();
  Serve();  // no --trial-site; standard error is a file, so log.format auto means JSON
  auto line = serve_->WaitForOutput("serve.summary", 60s);
  ASSERT_TRUE(line.has_value()) << serve_->Output();
  std::string summary;
  for (int i = 0; i < 50 && summary.empty(); ++i) {
    const std::string out = serve_->Output();
    const auto at = out.rfind('\n', out.find("serve.summary"));
    const auto end = out.find('\n', out.find("serve.summary"));
    if (end != std::string::npos) summary = out.substr(at == std::string::npos ? 0 : at + 1, end - at - 1);
    if (summary.empty()) std::this_thread::sleep_for(100ms);
  }
  const auto json = nlohmann::json::parse(summary);
  EXPECT_EQ(json["sites_active"], 0);
  EXPECT_EQ(json["servers"], 0);
  EXPECT_THAT(json["next"].get<std::string>(), HasSubstr("No Jira site yet. http://127.0.0.1:8080/ lists the ways"));
  EXPECT_THAT(json["next"].get<std::string>(), HasSubstr("try the admin pages on a trial site first: `make run`"));
  for (const char* text : {"Database  ", "\x1b["}) EXPECT_THAT(serve_->Output(), Not(HasSubstr(text)));
  EXPECT_FALSE(std::regex_search(serve_->Output(), kAnyToken)) << serve_->Output();
}

}  // namespace
}  // namespace tcj::e2e
