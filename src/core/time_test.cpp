#include "core/time.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const TimePoint kInstant = sys_days{2026y / November / 29} + 4h + 46min + 31s;

TEST(Time, FormatsRfc3339InUtcRoundingDown) {
  EXPECT_EQ(FormatRfc3339(kInstant), "2026-11-29T04:46:31Z");
  EXPECT_EQ(FormatRfc3339(kInstant + 999ms), "2026-11-29T04:46:31Z");
  EXPECT_EQ(FormatRfc3339(TimePoint{} - 1ms), "1969-12-31T23:59:59Z");
}

TEST(Time, FormatsHttpDates) {
  EXPECT_EQ(FormatHttpDate(kInstant), "Sun, 29 Nov 2026 04:46:31 GMT");
  EXPECT_EQ(FormatHttpDate(sys_days{1994y / November / 6} + 8h + 49min + 37s), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(Time, FormatsWithAnyPattern) {
  EXPECT_EQ(FormatUtc(kInstant, "%Y%m%dT%H%M%SZ"), "20261129T044631Z");
  EXPECT_EQ(FormatUtc(kInstant, "%Y-%m-%d"), "2026-11-29");
}

TEST(Time, ParsesWhatItFormats) {
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(kInstant)), floor<seconds>(kInstant));
  EXPECT_EQ(ParseHttpDate(FormatHttpDate(kInstant)), floor<seconds>(kInstant));
  EXPECT_EQ(ParseRfc3339("2026-11-29T04:46Z"), floor<seconds>(kInstant - 31s)) << "Jira leaves the seconds out";
}

TEST(Time, ParsesDatesFarBeyondWhatATimePointHolds) {
  const auto far = ParseRfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(far.has_value());
  EXPECT_GT(far->time_since_epoch(), 250'000'000'000s);
}

TEST(Time, RefusesAnythingElse) {
  for (const std::string_view bad :
       {"", "2026-11-29", "2026-11-29T04:46:31", "2026-11-29T04:46:31+01:00", "2026-11-29T04:46:31Z trailing",
        "29 Nov 2026", "2026-13-01T00:00:00Z", "Sun, 29 Nov 2026 04:46:31 CET", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
    EXPECT_FALSE(ParseHttpDate(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace tcj::core
