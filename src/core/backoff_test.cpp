#include "core/backoff.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, FullJitterStaysWithinItsBoundsAndGrows) {
  const BackoffPolicy policy{.base = 100ms, .cap = 1'000ms};
  std::int64_t previous_mean = -1;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto ceiling = std::min<std::int64_t>(1000, 100LL << attempt);
    std::int64_t sum = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto d = FullJitter(policy, attempt).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling);
      sum += d;
    }
    const std::int64_t mean = sum / 2000;
    EXPECT_GT(mean, previous_mean) << "attempt " << attempt;  // statistically increasing until the cap
    if (ceiling < 1000) previous_mean = mean;
  }
  EXPECT_LE(FullJitter(policy, 100).count(), 1000);  // huge attempts are capped, not overflowed
}

TEST(Backoff, RetryAfterIsAFloor) {
  for (int i = 0; i < 200; ++i) {
    const auto d = RetryDelay({}, 0, 7s);
    EXPECT_GE(d, 7s);
    EXPECT_LE(d, 8s);
  }
}

}  // namespace
}  // namespace tcj::core
