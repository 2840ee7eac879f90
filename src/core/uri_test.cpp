#include "core/uri.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

TEST(Uri, PercentDecoding) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%4").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
}

TEST(Uri, PercentEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("a b+*!'()~,"), "a%20b%2B%2A%21%27%28%29~%2C");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");
}

TEST(Uri, ParsesQueries) {
  auto q = ParseQuery("a=1&b=&c&d=x%20y+z&&");
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[1], (std::pair<std::string, std::string>{"b", ""}));
  EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>{"c", ""}));
  EXPECT_EQ((*q)[3].second, "x y z");
  EXPECT_FALSE(ParseQuery("a=%").has_value());
}

TEST(Uri, RedactsSecretParameters) {
  EXPECT_EQ(RedactQuery("xdm_e=https%3A%2F%2Fx&jwt=eyJ.abc.def&cp="), "xdm_e=https%3A%2F%2Fx&jwt=[REDACTED]&cp=");
  EXPECT_EQ(RedactQuery("JWT=a&Token=b&password=c&x=1"), "JWT=[REDACTED]&Token=[REDACTED]&password=[REDACTED]&x=1");
  EXPECT_EQ(RedactQuery(""), "");
  EXPECT_EQ(RedactQuery("flag"), "flag");
}

}  // namespace
}  // namespace tcj::core
