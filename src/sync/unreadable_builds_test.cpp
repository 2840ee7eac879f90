#include "sync/unreadable_builds.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tcj::sync {
namespace {

teamcity::UnreadableBuild Unreadable(std::optional<std::int64_t> id, std::string field, std::string reason) {
  return {id, std::move(field), std::move(reason)};
}

TEST(SettleUnreadable, DropsBuildsReadReadablyAfterAllAndRepeats) {
  BuildsById read;
  read[2].id = 2;  // came unreadable on one page, readable on the next (pages shift)
  UnreadableBuilds unreadable = {
      Unreadable(1, "number", "number is not a string"), Unreadable(2, "state", "state is not a string"),
      Unreadable(1, "number", "number is not a string"),  // the same build from the running and the finished list
      Unreadable(1, "state", "state is not a string"),    // the same build, another reason: told too
      Unreadable(std::nullopt, "id", "id is missing"),   Unreadable(std::nullopt, "id", "id is missing"),
      Unreadable(3, "", "the build is not an object")};
  SettleUnreadable(unreadable, read);
  ASSERT_EQ(unreadable.size(), 4u);
  EXPECT_EQ(unreadable[0].id, 1);
  EXPECT_EQ(unreadable[0].field, "number");
  EXPECT_EQ(unreadable[1].id, 1);
  EXPECT_EQ(unreadable[1].field, "state");
  EXPECT_EQ(unreadable[2].id, std::nullopt);
  EXPECT_EQ(unreadable[3].id, 3);
}

TEST(UnreadableBuildMessage, NamesTheBuildTheFieldAndWhatIsWrong) {
  const std::string with_id = UnreadableBuildMessage(Unreadable(4567, "number", "number is not a string"));
  EXPECT_EQ(with_id.find("Build 4567 was left out: TeamCity's data for it cannot be read (number is not a string)."),
            0u)
      << with_id;
  EXPECT_NE(with_id.find("read again at the next re-read"), std::string::npos) << with_id;

  const std::string without = UnreadableBuildMessage(Unreadable(std::nullopt, "id", "id is not an integer"));
  EXPECT_EQ(without.find("A build was left out"), 0u) << without;
  EXPECT_NE(without.find("(id is not an integer)"), std::string::npos) << without;
}

}  // namespace
}  // namespace tcj::sync
