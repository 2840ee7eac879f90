#include "crypto/hmac.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/text.hpp"

namespace tcj::crypto {
namespace {

std::string HexOf(HmacDigest digest, std::string_view key, std::string_view data) {
  std::array<std::uint8_t, 64> out{};
  const std::size_t size = digest == HmacDigest::sha256 ? 32 : 64;
  const auto* k = reinterpret_cast<const std::uint8_t*>(key.data());
  EXPECT_TRUE(Hmac(digest, {k, key.size()}, data, {out.data(), size}));
  return core::HexEncode(std::string_view(reinterpret_cast<const char*>(out.data()), size));
}

// RFC 4231, test case 2.
TEST(Hmac, MatchesTheRfc4231Vectors) {
  EXPECT_EQ(HexOf(HmacDigest::sha256, "Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexOf(HmacDigest::sha512, "Jefe", "what do ya want for nothing?"),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d"
            "4a6b4b636e070a38bce737");
}

TEST(Hmac, TakesAnEmptyKeyAndInterleavedDigests) {
  const std::string a = HexOf(HmacDigest::sha256, "", "x");
  EXPECT_EQ(a.size(), 64u);
  HexOf(HmacDigest::sha512, "other", "y");
  EXPECT_EQ(HexOf(HmacDigest::sha256, "", "x"), a) << "each digest keeps its own context";
}

TEST(Hmac, RefusesAnOutputOfTheWrongSize) {
  std::array<std::uint8_t, 64> out{};
  EXPECT_FALSE(Hmac(HmacDigest::sha256, {}, "x", {out.data(), 64}));
  EXPECT_FALSE(Hmac(HmacDigest::sha512, {}, "x", {out.data(), 32}));
}

}  // namespace
}  // namespace tcj::crypto
