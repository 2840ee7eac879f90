#include "crypto/jwt.hpp"

#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "support/test_rsa.hpp"

namespace tcj::crypto {
namespace {

// The deterministic example token of connect-and-jira-devinfo.md section 1.9.
constexpr const char* kSpecToken =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJjb20uZXhhbXBsZS50ZWFtY2l0eS1qaXJhIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAi"
    "OjE3MDAwMDAxODAsInFzaCI6IjA5NDdmNWJjMDVmMmM0NzI4YmMyZTM5MDUwODk5NTFhNGFhNjAxNzcyYTc5MjY4YWE5ODNlMmVmODgxYjc5ZmYi"
    "LCJhdWQiOlsiMTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1Il19.pbr70Bc6oT_wEVcl18O2aowYxY_7fTlSB9c7jWoWrp0";
constexpr const char* kSpecSecret = "test-shared-secret-0123456789abcdef";

TEST(Jwt, SignsTheSpecificationExampleByteForByte) {
  const std::string claims =
      R"({"iss":"com.example.teamcity-jira","iat":1700000000,"exp":1700000180,)"
      R"("qsh":"0947f5bc05f2c4728bc2e3905089951a4aa601772a79268aa983e2ef881b79ff",)"
      R"("aud":["11111111-2222-3333-4444-555555555555"]})";
  EXPECT_EQ(SignHs256(claims, kSpecSecret), kSpecToken);
}

TEST(Jwt, DecodesAndVerifiesHs256) {
  auto jwt = DecodeJwt(kSpecToken);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;
  EXPECT_EQ(jwt->alg, "HS256");
  EXPECT_EQ(jwt->claims.iss, "com.example.teamcity-jira");
  EXPECT_EQ(jwt->claims.exp, 1700000180);
  EXPECT_EQ(jwt->claims.aud, (std::vector<std::string>{"11111111-2222-3333-4444-555555555555"}));
  EXPECT_TRUE(VerifyHs256(*jwt, kSpecSecret));
  EXPECT_FALSE(VerifyHs256(*jwt, "another-secret"));
}

TEST(Jwt, RefusesMalformedTokens) {
  const std::string header = core::Base64UrlEncode(R"({"alg":"HS256"})");
  const std::string claims = core::Base64UrlEncode(R"({"iss":"x"})");
  for (const std::string& bad : std::vector<std::string>{
           "", "abc.def.ghi", "a.b", "a.b.c.d", header + "." + claims, header + "." + claims + ".sig.x",
           core::Base64UrlEncode("[]") + "." + claims + ".c2ln",
           header + "." + core::Base64UrlEncode("\"str\"") + ".c2ln",
           core::Base64UrlEncode(R"({"alg":5})") + "." + claims + ".c2ln",
           header + "." + core::Base64UrlEncode(R"({"exp":"soon"})") + ".c2ln",
           header + "." + core::Base64UrlEncode(R"({"iss":["x"]})") + ".c2ln",
           header + "." + core::Base64UrlEncode(R"({"aud":[1]})") + ".c2ln",
           header + "=." + claims + ".c2ln",                                  // padding
           header + "." + claims + "." + std::string(9000, 'A'),              // over 8 KiB
           "eyJ+eXAi.eyJ/.sig",                                               // standard base64 characters
       }) {
    EXPECT_FALSE(DecodeJwt(bad).ok()) << bad.substr(0, 80);
  }
}

TEST(Jwt, Hs256VerificationPinsTheAlgorithm) {
  for (const char* alg : {"none", "HS384", "HS512", "RS256", "hs256"}) {
    const std::string header = core::Base64UrlEncode(std::string(R"({"alg":")") + alg + R"("})");
    const std::string claims = core::Base64UrlEncode(R"({"iss":"x"})");
    auto token = SignHs256(R"({"iss":"x"})", "s");  // a valid HS256 signature over other bytes
    const std::string forged = header + "." + claims + "." + token.substr(token.rfind('.') + 1);
    auto jwt = DecodeJwt(forged);
    ASSERT_TRUE(jwt.ok());
    EXPECT_FALSE(VerifyHs256(*jwt, "s")) << alg;
  }
  auto unsigned_token = DecodeJwt(core::Base64UrlEncode(R"({"alg":"none"})") + "." +
                                  core::Base64UrlEncode(R"({"iss":"x"})") + ".");
  ASSERT_TRUE(unsigned_token.ok());
  EXPECT_FALSE(VerifyHs256(*unsigned_token, ""));
}

TEST(Jwt, TamperingBreaksTheSignature) {
  const std::string token = SignHs256(R"({"iss":"a","exp":1})", "s");
  std::string tampered = token;
  tampered[token.find('.') + 3] = tampered[token.find('.') + 3] == 'A' ? 'B' : 'A';
  auto t = DecodeJwt(tampered);
  EXPECT_TRUE(!t.ok() || !VerifyHs256(*t, "s"));
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
  auto f = DecodeJwt(flipped);
  EXPECT_TRUE(!f.ok() || !VerifyHs256(*f, "s"));
}

using testing::TestRsa;

TEST(Jwt, VerifiesRs256AndRefusesKeyConfusion) {
  const TestRsa rsa;
  const TestRsa other;
  auto key = RsaPublicKey::FromPem(rsa.pem());
  ASSERT_TRUE(key.ok()) << key.error().message;
  auto good = DecodeJwt(rsa.Sign(R"({"alg":"RS256","kid":"k1"})", R"({"iss":"client"})"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->kid, "k1");
  EXPECT_TRUE(key->VerifyRs256(*good));
  auto by_other = DecodeJwt(other.Sign(R"({"alg":"RS256","kid":"k1"})", R"({"iss":"client"})"));
  EXPECT_FALSE(key->VerifyRs256(*by_other));
  // The classic confusion: an HS256 token whose HMAC key is the public key's PEM text.
  auto confused = DecodeJwt(SignHs256(R"({"iss":"client"})", rsa.pem()));
  ASSERT_TRUE(confused.ok());
  EXPECT_FALSE(key->VerifyRs256(*confused));
}

TEST(Jwt, ParsesPemWithCrlfAndWithoutTheFinalNewline) {
  const TestRsa rsa;
  std::string crlf;
  for (char c : rsa.pem()) {
    if (c == '\n') crlf += "\r\n";
    else crlf.push_back(c);
  }
  EXPECT_TRUE(RsaPublicKey::FromPem(crlf).ok());
  std::string trimmed = rsa.pem();
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  EXPECT_TRUE(RsaPublicKey::FromPem(trimmed).ok());
  EXPECT_FALSE(RsaPublicKey::FromPem("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(RsaPublicKey::FromPem("").ok());
}

}  // namespace
}  // namespace tcj::crypto
