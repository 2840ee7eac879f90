#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
}

TEST(Base64, UrlSafeWithoutPadding) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlDecode("-_-_"), bytes);
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlDecode("Zg"), "f");
}

TEST(Base64, RefusesAnythingNonCanonical) {
  EXPECT_FALSE(Base64Decode("Zg=").has_value());
  EXPECT_FALSE(Base64Decode("Zg").has_value());
  EXPECT_FALSE(Base64Decode("Z===").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v\n").has_value());
  EXPECT_FALSE(Base64Decode("-_-_").has_value());
  EXPECT_FALSE(Base64Decode("Zh==").has_value());  // non-zero trailing bits
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());
}

}  // namespace
}  // namespace tcj::core
