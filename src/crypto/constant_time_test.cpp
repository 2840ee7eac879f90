#include "crypto/constant_time.hpp"

#include <gtest/gtest.h>

namespace tcj::crypto {
namespace {

TEST(EqualInConstantTime, ComparesWholeValues) {
  EXPECT_TRUE(EqualInConstantTime("token-123", "token-123"));
  EXPECT_TRUE(EqualInConstantTime("", ""));
  EXPECT_FALSE(EqualInConstantTime("token-123", "token-124"));
  EXPECT_FALSE(EqualInConstantTime("token-123", "token-12"));
  EXPECT_FALSE(EqualInConstantTime("token", ""));
  EXPECT_FALSE(EqualInConstantTime(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace tcj::crypto
