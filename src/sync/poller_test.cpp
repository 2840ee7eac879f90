#include "sync/poller.hpp"

#include <gtest/gtest.h>

namespace tcj::sync {
namespace {

using namespace std::chrono_literals;

std::int64_t Highest(std::int64_t, std::int64_t high) {
  return high;
}
std::int64_t Lowest(std::int64_t low, std::int64_t) {
  return low;
}

TEST(PollBackoff, PollsAtTheIntervalGiveOrTakeATenth) {
  EXPECT_EQ(PollBackoff(30s, Lowest).Delay(0), 27s);
  EXPECT_EQ(PollBackoff(30s, Highest).Delay(0), 33s);
}

TEST(PollBackoff, DoublesAfterFailuresUpToTenMinutes) {
  EXPECT_EQ(PollBackoff(30s, Highest).Delay(1), 66s);
  EXPECT_EQ(PollBackoff(30s, Highest).Delay(4), 528s);
  EXPECT_EQ(PollBackoff(30s, Highest).Delay(5), 660s);
  EXPECT_EQ(PollBackoff(30s, Lowest).Delay(1'000), 540s);
}

TEST(PollBackoff, AnIntervalLongerThanTenMinutesIsKept) {
  EXPECT_EQ(PollBackoff(1h, Highest).Delay(0), 66min);
  EXPECT_EQ(PollBackoff(1h, Highest).Delay(3), 66min);
}

}  // namespace
}  // namespace tcj::sync
