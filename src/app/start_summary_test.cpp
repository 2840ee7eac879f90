#include "app/start_summary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/capture_sink.hpp"

namespace tcj::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

StartSummary Embedded(std::optional<std::vector<tenants::SiteCount>> sites) {
  return {.version = "1.2.3",
          .listening = "http://127.0.0.1:8080",
          .metrics = "http://127.0.0.1:9464/metrics",
          .public_url = "http://127.0.0.1:8080",
          .database = "embedded cluster in .local/postgres",
          .embedded_database = true,
          .sites = std::move(sites),
          .trial_token_printed = false};
}

TEST(StartSummary, TheNextStepFollowsWhatThereIs) {
  EXPECT_THAT(NextStep(Embedded(std::nullopt)), HasSubstr("Waiting for the database; http://127.0.0.1:8080/readyz"));

  StartSummary empty = Embedded(std::vector<tenants::SiteCount>{});
  EXPECT_EQ(NextStep(empty),
            "No Jira site yet. http://127.0.0.1:8080/ lists the ways to connect one, or try the admin pages on a "
            "trial site first: `make run`.");
  empty.embedded_database = false;  // `make run` means nothing to an operator of their own database
  EXPECT_EQ(NextStep(empty), "No Jira site yet. http://127.0.0.1:8080/ lists the ways to connect one.");

  StartSummary trial = Embedded(std::vector<tenants::SiteCount>{{"trial", "active", 1, 0}});
  trial.trial_token_printed = true;
  EXPECT_THAT(NextStep(trial), HasSubstr("Open http://127.0.0.1:8080/admin and sign in with the trial site's token "
                                         "printed above"));
  trial.trial_token_printed = false;
  EXPECT_THAT(NextStep(trial), HasSubstr("Lost it? `teamcity-jira admin-tokens create --site https://trial.invalid"));

  // An uninstalled site is not one being served; a real one changes the advice.
  const StartSummary gone = Embedded(std::vector<tenants::SiteCount>{{"connect", "uninstalled", 2, 1}});
  EXPECT_THAT(NextStep(gone), HasSubstr("No Jira site yet."));
  const StartSummary real =
      Embedded(std::vector<tenants::SiteCount>{{"oauth", "active", 1, 3}, {"trial", "active", 1, 0}});
  EXPECT_THAT(NextStep(real), HasSubstr("Admin pages: http://127.0.0.1:8080/admin"));
}

TEST(StartSummary, TheBlockAlignsItsLinesAndCountsSitesAndServers) {
  const std::string block = RenderStartSummary(Embedded(std::vector<tenants::SiteCount>{
      {"oauth", "active", 2, 3}, {"forge", "active", 1, 1}, {"connect", "uninstalled", 4, 0}}));
  EXPECT_THAT(block, HasSubstr("TeamCity for Jira 1.2.3 is serving\n"));
  EXPECT_THAT(block, HasSubstr("\n  Open      http://127.0.0.1:8080/\n"));
  EXPECT_THAT(block, HasSubstr("\n  Metrics   http://127.0.0.1:9464/metrics\n"));
  EXPECT_THAT(block, HasSubstr("\n  Database  embedded cluster in .local/postgres\n"));
  EXPECT_THAT(block,
              HasSubstr("\n  Sites     3 active (1 Forge, 2 OAuth), 4 disabled or uninstalled; 4 TeamCity servers\n"));
  EXPECT_THAT(RenderStartSummary(Embedded(std::nullopt)), HasSubstr("  Sites     not known yet"));
}

TEST(StartSummary, PeopleGetTheBlockAndCollectorsOneJsonLine) {
  auto sink = std::make_shared<testing::CaptureSink>();
  const StartSummary summary = Embedded(std::vector<tenants::SiteCount>{{"oauth", "active", 2, 5}});
  ReportStartSummary(core::Logger(sink, core::LogLevel::info, core::LogFormat::text), summary);
  ASSERT_EQ(sink->lines().size(), 1u);
  EXPECT_THAT(sink->lines()[0], HasSubstr("  Sites     2 active (2 OAuth); 5 TeamCity servers"));

  auto json_sink = std::make_shared<testing::CaptureSink>();
  ReportStartSummary(core::Logger(json_sink, core::LogLevel::info, core::LogFormat::json), summary);
  ASSERT_EQ(json_sink->lines().size(), 1u);
  EXPECT_THAT(json_sink->lines()[0], HasSubstr(R"("msg":"serve.summary")"));
  EXPECT_THAT(json_sink->lines()[0], HasSubstr(R"("sites_active":2)"));
  EXPECT_THAT(json_sink->lines()[0], HasSubstr(R"("servers":5)"));
  EXPECT_THAT(json_sink->lines()[0], Not(HasSubstr("\n  ")));
}

}  // namespace
}  // namespace tcj::app
