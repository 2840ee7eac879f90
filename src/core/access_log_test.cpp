#include "core/access_log.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

TEST(AccessLogPolicy, ParsesTheThreeModesAndRefusesEverythingElse) {
  for (const char* good : {"all", "errors", "sample:1", "sample:100", "sample:1000000"}) {
    const auto p = AccessLogPolicy::Parse(good);
    ASSERT_TRUE(p.has_value()) << good;
    EXPECT_EQ(p->Describe(), good);
  }
  for (const char* bad : {"", "ALL", "error", "sample", "sample:", "sample:0", "sample:-1", "sample:1x",
                          "sample:1000001", "sample: 5", "sample:99999999999999999999"}) {
    EXPECT_FALSE(AccessLogPolicy::Parse(bad).has_value()) << bad;
  }
}

TEST(AccessLogPolicy, ErrorsLogsFailuresAndSlowRequestsOnly) {
  const auto p = *AccessLogPolicy::Parse("errors");
  EXPECT_FALSE(p.ShouldLog(200, 0.001));
  EXPECT_FALSE(p.ShouldLog(304, 0.001));
  EXPECT_TRUE(p.ShouldLog(400, 0.001));
  EXPECT_TRUE(p.ShouldLog(429, 0.001));
  EXPECT_TRUE(p.ShouldLog(503, 0.001));
  EXPECT_TRUE(p.ShouldLog(200, AccessLogPolicy::kSlowSeconds));
}

TEST(AccessLogPolicy, SampleLogsOneInNOfTheRestAndEveryError) {
  const auto p = *AccessLogPolicy::Parse("sample:10");
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += p.ShouldLog(200, 0.001) ? 1 : 0;
  EXPECT_EQ(logged, 100);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(p.ShouldLog(500, 0.001));
  const auto all = AccessLogPolicy::All();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(all.ShouldLog(200, 0.001));
}

}  // namespace
}  // namespace tcj::core
