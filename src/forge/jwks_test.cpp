#include "forge/jwks.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "support/test_rsa.hpp"

namespace tcj::forge {
namespace {

using namespace std::chrono_literals;

class JwksServer final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    ++fetches;
    last_url = request.url;
    if (down) return core::Error::Retryable(core::ErrorKind::unavailable, "http.connect", "could not connect");
    http::ClientResponse response;
    response.status = status;
    response.body = body;
    return response;
  }
  std::atomic<int> fetches{0};
  std::string last_url;
  bool down = false;
  int status = 200;
  std::string body;
};

std::string KeySet(const std::vector<std::string>& jwks) {
  std::string out = R"({"keys":[)";
  for (std::size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
  return out + "]}";
}

TEST(ParseJwks, KeepsTheRs256KeysAndSkipsTheRest) {
  testing::TestRsa a, b;
  const auto keys = ParseJwks(KeySet({a.Jwk("k1"), b.Jwk("k2"), R"({"kty":"EC","kid":"e1","crv":"P-256"})",
                                      R"({"kty":"RSA","kid":"bad","n":"!!","e":"AQAB"})",
                                      R"({"kty":"RSA","kid":"hs","alg":"HS256","n":"AQAB","e":"AQAB"})", "7"}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->contains("k1"));
  EXPECT_TRUE(keys->contains("k2"));
}

TEST(ParseJwks, RefusesWhatIsNotAKeySet) {
  for (const char* bad : {"", "[]", "{}", R"({"keys":{}})", "not json", R"({"keys":"x"})"}) {
    EXPECT_FALSE(ParseJwks(bad).ok()) << bad;
  }
}

class ForgeKeysTest : public ::testing::Test {
 protected:
  std::shared_ptr<JwksServer> server_ = std::make_shared<JwksServer>();
  core::ManualClock clock_;
  ForgeKeys keys_{"https://forge.example/.well-known/jwks.json", server_, clock_};
  testing::TestRsa first_, second_;
};

TEST_F(ForgeKeysTest, FetchesOnceAndAnswersFromTheCache) {
  server_->body = KeySet({first_.Jwk("k1")});
  EXPECT_TRUE(keys_.Get("k1").ok());
  EXPECT_TRUE(keys_.Get("k1").ok());
  EXPECT_EQ(server_->fetches, 1);
  EXPECT_EQ(server_->last_url, "https://forge.example/.well-known/jwks.json");
}

TEST_F(ForgeKeysTest, AFloodOfUnknownKidsFetchesAtMostOnceAMinute) {
  server_->body = KeySet({first_.Jwk("k1")});
  for (int i = 0; i < 1000; ++i) {
    const auto key = keys_.Get("made-up-" + std::to_string(i));
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().kind, core::ErrorKind::not_found);
  }
  EXPECT_EQ(server_->fetches, 1);
  clock_.Advance(59s);
  EXPECT_FALSE(keys_.Get("made-up").ok());
  EXPECT_EQ(server_->fetches, 1);
  clock_.Advance(1s);
  EXPECT_FALSE(keys_.Get("made-up").ok());
  EXPECT_EQ(server_->fetches, 2);
  EXPECT_TRUE(keys_.Get("k1").ok()) << "known keys are answered whatever the rate limit";
}

TEST_F(ForgeKeysTest, ARotatedKeyIsFoundAndTheOldOneStaysUsable) {
  server_->body = KeySet({first_.Jwk("k1")});
  ASSERT_TRUE(keys_.Get("k1").ok());
  server_->body = KeySet({second_.Jwk("k2")});
  clock_.Advance(61s);
  EXPECT_TRUE(keys_.Get("k2").ok());
  EXPECT_TRUE(keys_.Get("k1").ok());
  EXPECT_EQ(server_->fetches, 2);
}

TEST_F(ForgeKeysTest, AKeyForgeStoppedPublishingIsRefusedAfterTheGrace) {
  server_->body = KeySet({first_.Jwk("k1")});
  ASSERT_TRUE(keys_.Get("k1").ok());
  server_->body = KeySet({second_.Jwk("k2")});  // k1 withdrawn
  clock_.Advance(ForgeKeys::kMaxAge + 1s);
  EXPECT_TRUE(keys_.Get("k1").ok()) << "the caller that notices the old set still gets its key";
  EXPECT_EQ(server_->fetches, 2) << "an hour-old set is fetched again, without an unknown kid";
  clock_.Advance(ForgeKeys::kRetiredGrace - 1s);
  EXPECT_TRUE(keys_.Get("k1").ok()) << "tokens signed just before a rotation stay good for a while";
  clock_.Advance(2s);
  const auto gone = keys_.Get("k1");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, core::ErrorKind::not_found);
  EXPECT_TRUE(keys_.Get("k2").ok());
}

TEST_F(ForgeKeysTest, AnEmptySetIsABrokenAnswerNotAWithdrawalOfEveryKey) {
  server_->body = KeySet({first_.Jwk("k1")});
  ASSERT_TRUE(keys_.Get("k1").ok());
  server_->body = R"({"keys":[]})";
  clock_.Advance(ForgeKeys::kMaxAge + 1s);
  ASSERT_TRUE(keys_.Get("k1").ok());
  EXPECT_EQ(server_->fetches, 2);
  clock_.Advance(ForgeKeys::kRetiredGrace + 1s);
  EXPECT_TRUE(keys_.Get("k1").ok()) << "k1 was never retired";
}

TEST_F(ForgeKeysTest, AFreshSetIsNotFetchedAgainForKnownKeys) {
  server_->body = KeySet({first_.Jwk("k1")});
  ASSERT_TRUE(keys_.Get("k1").ok());
  clock_.Advance(ForgeKeys::kMaxAge - 1s);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(keys_.Get("k1").ok());
  EXPECT_EQ(server_->fetches, 1);
  clock_.Advance(2s);
  server_->down = true;
  EXPECT_TRUE(keys_.Get("k1").ok()) << "a failed refresh keeps the keys known";
  EXPECT_TRUE(keys_.Get("k1").ok());
  EXPECT_EQ(server_->fetches, 2) << "and is tried again only after a minute";
}

TEST_F(ForgeKeysTest, AnUnreachableJwksIsAnOutageAndKeepsWhatIsKnown) {
  server_->body = KeySet({first_.Jwk("k1")});
  ASSERT_TRUE(keys_.Get("k1").ok());
  server_->down = true;
  clock_.Advance(61s);
  const auto key = keys_.Get("k2");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().kind, core::ErrorKind::unavailable);
  EXPECT_TRUE(keys_.Get("k1").ok());
  server_->down = false;
  server_->status = 500;
  clock_.Advance(61s);
  EXPECT_EQ(keys_.Get("k2").error().kind, core::ErrorKind::unavailable);
}

}  // namespace
}  // namespace tcj::forge
