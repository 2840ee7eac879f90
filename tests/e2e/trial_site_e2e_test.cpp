// A trial site (serve --trial-site, what `make run` does) reads its TeamCity and links its builds
// like any site, and sends nothing anywhere: its records wait here, no job dies over them, and the
// service refuses the flag on a database of its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using e2e::Eventually;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using TrialSiteE2E = e2e::SyncFixture;

TEST_F(TrialSiteE2E, ItsBuildsAreReadAndLinkedAndNeverSent) {
  port_ = e2e::FreePort();
  Migrate();
  Serve(SyncEnv(1), {"--trial-site"});
  ASSERT_TRUE(serve_->WaitForOutput("serve.summary", 60s) || serve_->WaitForOutput("is serving", 1s));
  std::smatch m;
  const std::string out = serve_->Output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(\n    (tcj_[A-Za-z0-9_-]{40,})\n)"))) << out;
  const std::string token = m[1];

  const auto signed_in = testing::HttpRequest(port_, "POST", "/api/v1/session", json{{"token", token}}.dump(),
                                              "Content-Type: application/json\r\n");
  ASSERT_TRUE(signed_in && signed_in->status == 200) << (signed_in ? signed_in->body : "no answer");
  const std::string cookie = signed_in->Header("Set-Cookie").value_or("");
  const std::string headers = "Cookie: " + cookie.substr(0, cookie.find(';')) +
                              "\r\nX-CSRF-Token: " + json::parse(signed_in->body)["csrf_token"].get<std::string>() +
                              "\r\nContent-Type: application/json\r\n";
  const auto call = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    auto r = testing::HttpRequest(port_, method, path, body, headers);
    return r ? json::parse(r->body, nullptr, false) : json();
  };

  CreateTeamCity("trial-tc", 40, {{"branches", {"feature/ABC-7-login"}}});
  const json created = call("POST", "/api/v1/servers",
                            json{{"name", "trial-tc"},
                                 {"url", teamcity_->base() + "/tc/trial-tc"},
                                 {"auth", {{"type", "token"}, {"token", "tok-trial-tc"}}}}
                                .dump());
  ASSERT_TRUE(created.contains("id")) << created.dump();
  const std::string server = created["id"];

  // The whole history is read and stays waiting: there is no Jira to send it to.
  json status;
  EXPECT_TRUE(Eventually(
      [&] {
        status = call("GET", "/api/v1/servers/" + server + "/status");
        return status["backfill"].is_object() && status["backfill"]["state"] == "done" &&
               status["builds"]["total"].is_number() && status["builds"]["total"].get<int>() >= 40;
      },
      60s))
      << status.dump();
  EXPECT_GT(status["builds"].value("pending", 0), 0) << status.dump();
  EXPECT_EQ(status["builds"].value("accepted", -1), 0) << status.dump();
  EXPECT_EQ(status["builds"].value("rejected", -1), 0) << status.dump();
  // Diagnostics tells a build's story: its keys were found.
  const json story = call("GET", "/api/v1/diagnostics?q=ABC-7");
  EXPECT_THAT(story.dump(), HasSubstr("ABC-7")) << story.dump();

  // Sends end at once instead of retrying: nothing about a failed send, no job given up on.
  std::this_thread::sleep_for(3s);
  const std::string log = serve_->Output();
  EXPECT_THAT(log, Not(HasSubstr("sync.send_failed")));
  EXPECT_THAT(log, Not(HasSubstr("sync.job_dead")));
  EXPECT_THAT(log, Not(HasSubstr("trial.invalid/rest")));
}

TEST_F(TrialSiteE2E, TheFlagIsRefusedOnADatabaseOfItsOwn) {
  const auto refused =
      testing::RunCommand({e2e::kExecutable, "serve", "--trial-site"},
                          Env({"TCJ_DATABASE_URL=postgresql://tcj_app@127.0.0.1:1/nowhere", "TCJ_LOG_FORMAT=text"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("serve.trial_site_refused"));
  EXPECT_THAT(refused.output, HasSubstr("only for the embedded database"));
}

}  // namespace
}  // namespace tcj
