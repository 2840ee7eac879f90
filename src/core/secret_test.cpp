#include "core/secret.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace tcj::core {
namespace {

TEST(Secret, NeverPrintsItsValue) {
  const Secret s("hunter2-token");
  EXPECT_EQ(fmt::format("{}", s), "***");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(s.reveal(), "hunter2-token");
}

TEST(Secret, ComparesPresentedValues) {
  const Secret s("abc");
  EXPECT_TRUE(s.Equals("abc"));
  EXPECT_FALSE(s.Equals("abd"));
  EXPECT_FALSE(s.Equals("ab"));
  EXPECT_FALSE(s.Equals(""));
}

TEST(Secret, MovedFromIsEmpty) {
  Secret a("value");
  Secret b(std::move(a));
  EXPECT_EQ(b.reveal(), "value");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is the point
}

TEST(Secret, WipeClearsTheWholeBuffer) {
  std::string text(100, 'x');
  text.resize(3);
  SecureWipe(text);
  EXPECT_TRUE(text.empty());
  text.resize(100);
  EXPECT_EQ(text.find('x'), std::string::npos);
}

static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);

}  // namespace
}  // namespace tcj::core
