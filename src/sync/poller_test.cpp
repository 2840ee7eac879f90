#include "sync/poller.hpp"

#include <gtest/gtest.h>

#include "support/fixed_random.hpp"

namespace tcj::sync {
namespace {

using namespace std::chrono_literals;

using testing::HighestDraw;  // the ceiling of each delay
using testing::LowestDraw;

TEST(PollBackoff, PollsAtTheIntervalGiveOrTakeATenth) {
  EXPECT_EQ(PollBackoff(30s, LowestDraw).Delay(0), 27s);
  EXPECT_EQ(PollBackoff(30s, HighestDraw).Delay(0), 33s);
}

TEST(PollBackoff, DoublesAfterFailuresUpToTenMinutes) {
  EXPECT_EQ(PollBackoff(30s, HighestDraw).Delay(1), 66s);
  EXPECT_EQ(PollBackoff(30s, HighestDraw).Delay(4), 528s);
  EXPECT_EQ(PollBackoff(30s, HighestDraw).Delay(5), 660s);
  EXPECT_EQ(PollBackoff(30s, LowestDraw).Delay(1'000), 540s);
}

TEST(PollBackoff, AnIntervalLongerThanTenMinutesIsKept) {
  EXPECT_EQ(PollBackoff(1h, HighestDraw).Delay(0), 66min);
  EXPECT_EQ(PollBackoff(1h, HighestDraw).Delay(3), 66min);
}

}  // namespace
}  // namespace tcj::sync
