#include "jira/devinfo_batches.hpp"

#include <numeric>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tcj::jira {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<int> Numbers(int count) {
  std::vector<int> numbers(static_cast<std::size_t>(count));
  std::iota(numbers.begin(), numbers.end(), 0);
  return numbers;
}

TEST(SplitIntoBatches, HundredAndOneRecordsMakeTwoRequests) {
  const auto batches = SplitIntoBatches(Numbers(101));
  ASSERT_THAT(batches, SizeIs(2));
  EXPECT_THAT(batches[0], SizeIs(100));
  EXPECT_THAT(batches[1], ElementsAre(100));
  EXPECT_EQ(batches[0].front(), 0);
  EXPECT_EQ(batches[0].back(), 99);
}

TEST(SplitIntoBatches, EdgeSizes) {
  EXPECT_THAT(SplitIntoBatches(Numbers(0)), IsEmpty());
  EXPECT_THAT(SplitIntoBatches(Numbers(100)), SizeIs(1));
  EXPECT_THAT(SplitIntoBatches(Numbers(200)), SizeIs(2));
  EXPECT_THAT(SplitIntoBatches(Numbers(5), 2), ElementsAre(ElementsAre(0, 1), ElementsAre(2, 3), ElementsAre(4)));
  EXPECT_THAT(SplitIntoBatches(Numbers(2), 0), ElementsAre(ElementsAre(0), ElementsAre(1)));  // 0 means 1
}

TEST(SplitInHalf, HalvesInOrderTheFirstTakingTheOddRecord) {
  auto [first, second] = SplitInHalf(Numbers(5));
  EXPECT_THAT(first, ElementsAre(0, 1, 2));
  EXPECT_THAT(second, ElementsAre(3, 4));
}

TEST(SplitInHalf, IsolatesABadRecordInLogarithmicSteps) {
  std::vector<int> batch = Numbers(100);
  const int bad = 73;
  int steps = 0;
  while (batch.size() > 1) {
    auto [first, second] = SplitInHalf(std::move(batch));
    const bool in_first = std::find(first.begin(), first.end(), bad) != first.end();
    batch = in_first ? std::move(first) : std::move(second);
    ++steps;
  }
  EXPECT_THAT(batch, ElementsAre(bad));
  EXPECT_LE(steps, 7);
}

TEST(SplitInHalf, CannotSplitASingleRecord) {
  auto [first, second] = SplitInHalf(Numbers(1));
  EXPECT_THAT(first, ElementsAre(0));
  EXPECT_THAT(second, IsEmpty());
}

}  // namespace
}  // namespace tcj::jira
