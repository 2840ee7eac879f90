#include "core/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/fixed_random.hpp"

namespace tcj::core {
namespace {

using namespace std::chrono_literals;

using testing::HighestDraw;  // the ceiling of each delay
using testing::LowestDraw;

TEST(Backoff, TheCeilingDoublesFromBaseUpToTheCap) {
  const Backoff backoff({.base = 100ms, .cap = 1'000ms}, HighestDraw);
  std::vector<std::int64_t> delays;
  for (int attempt = 0; attempt < 6; ++attempt) delays.push_back(backoff.Delay(attempt).count());
  EXPECT_EQ(delays, (std::vector<std::int64_t>{100, 200, 400, 800, 1000, 1000}));
  EXPECT_EQ(backoff.Delay(100).count(), 1000) << "huge attempts are capped, not overflowed";
  EXPECT_EQ(backoff.Delay(-3).count(), 100) << "a negative attempt counts as the first";
}

TEST(Backoff, FullJitterReachesDownToZero) {
  const Backoff backoff({.base = 100ms, .cap = 1'000ms}, LowestDraw);
  EXPECT_EQ(backoff.Delay(3).count(), 0);
}

TEST(Backoff, TenthJitterStaysWithinATenthOfTheCeiling) {
  const BackoffPolicy policy{.base = 30s, .cap = 10min, .jitter = Jitter::tenth};
  EXPECT_EQ(Backoff(policy, LowestDraw).Delay(0), 27s);
  EXPECT_EQ(Backoff(policy, HighestDraw).Delay(0), 33s);
  EXPECT_EQ(Backoff(policy, HighestDraw).Delay(2), 132s);
  EXPECT_EQ(Backoff(policy, HighestDraw).Delay(40), 660s);
}

TEST(Backoff, ACapBelowTheBaseMeansTheBase) {
  // A poll interval longer than the longest backoff still polls at its interval.
  EXPECT_EQ(Backoff({.base = 20min, .cap = 10min}, HighestDraw).Delay(5), 20min);
}

TEST(Backoff, NoWaitIsLongerThanAYearWhateverThePolicySays) {
  for (const Jitter jitter : {Jitter::full, Jitter::tenth}) {
    const Backoff backoff(
        {.base = std::chrono::milliseconds::max(), .cap = std::chrono::milliseconds::max(), .jitter = jitter}, HighestDraw);
    const auto d = backoff.Delay(30);
    EXPECT_GT(d, 300 * 24h);
    EXPECT_LE(d, 1.1 * 366 * 24h);
  }
}

TEST(Backoff, RetryAfterIsAFloorWithUpToASecondMore) {
  EXPECT_EQ(Backoff({}, LowestDraw).Delay(4, 7s), 7s);
  EXPECT_EQ(Backoff({}, HighestDraw).Delay(4, 7s), 8s);
  EXPECT_EQ(Backoff({.base = 100ms, .cap = 1'000ms}, HighestDraw).Delay(1, std::nullopt), 200ms);
}

TEST(Backoff, TheDefaultRandomSourceSpreadsTheDelays) {
  const Backoff backoff({.base = 100ms, .cap = 1'000ms});
  std::int64_t low = 1'000'000, high = -1;
  for (int i = 0; i < 2000; ++i) {
    const auto d = backoff.Delay(3).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 800);
    low = std::min(low, d);
    high = std::max(high, d);
  }
  // 2 000 draws from 801 values: the chance of all landing in the middle half is nil.
  EXPECT_LT(low, 200);
  EXPECT_GT(high, 600);
}

}  // namespace
}  // namespace tcj::core
