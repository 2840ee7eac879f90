#include "crypto/envelope.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "core/text.hpp"
#include "crypto/keyring.hpp"
#include "crypto/sha256.hpp"

namespace tcj::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Hands out the given byte strings in order: the deterministic "random" of the test vector.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  void Fill(std::span<std::uint8_t> out) override {
    ASSERT_FALSE(chunks_.empty());
    ASSERT_EQ(chunks_.front().size(), out.size());
    std::copy(chunks_.front().begin(), chunks_.front().end(), out.begin());
    chunks_.pop_front();
  }

 private:
  std::deque<std::string> chunks_;
};

// An in-memory key source for tests.
class TestKeys final : public KeySource {
 public:
  void AddKey(std::string id, std::string bytes, bool active) {
    keys_.push_back(MasterKey{std::move(id), core::Secret(std::move(bytes)),
                              active ? KeyState::active : KeyState::decrypt_only});
  }
  const MasterKey& Active() const override {
    for (const auto& k : keys_)
      if (k.state == KeyState::active) return k;
    std::abort();
  }
  const MasterKey* Find(std::string_view id) const override {
    for (const auto& k : keys_)
      if (k.id == id) return &k;
    return nullptr;
  }
  std::vector<std::string> Ids() const override { return {}; }

 private:
  std::vector<MasterKey> keys_;
};

std::string SequenceKey() {
  std::string k;
  for (int i = 0; i < 32; ++i) k.push_back(static_cast<char>(i));
  return k;
}

const EncryptionContext kContext = {{"tenant", "8f14e45f-ceea-467a-9575-5f2a1e7c0b11"},
                                    {"purpose", "teamcity-credential"},
                                    {"cred", "2b1e5c8a-0c7e-4d4e-9d7a-3f0d1b2c4e5f"}};
const std::string kPlaintext = R"({"url":"https://tc.example.com","token":"eyJ0eXAi.example"})";
const std::string kExpectedHex =
    "0101086b656b2d323032352222222222222222222222222222222222222222222222222222222222222222333333333333333333333333"
    "540191fb70b108f4345015f8a6716aa30030c70973e1b9d5673132c99508aa2d791b7e7f4a00fc508cbb9ffbf8843a02a53c46bcc6ea"
    "addad832e89ef968ee154013c0fbc76dfbe852ddf0ce2cf0a408444444444444444444444444dffcb90fdbb53387c6426eb6f9868156"
    "a5a7ae683c9ca323f2d160c3441b5270f41b989a2fe970af4dfd8384acaac7434c1cdc6297da84b9aa4adb7f22de834471a1564c38a7"
    "c590a86492";

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override { keys_.AddKey("kek-2025", SequenceKey(), true); }
  std::string Seal(const EncryptionContext& ctx = kContext, std::string_view plain = kPlaintext) {
    auto c = Encrypt(keys_, random_, ctx, plain);
    EXPECT_TRUE(c.ok());
    return *c;
  }
  TestKeys keys_;
  OsRandom random_;
};

TEST_F(EnvelopeTest, ReproducesTheSpecificationVectorByteForByte) {
  EXPECT_EQ(core::HexEncode(CanonicalContext(kContext)),
            "0003000463726564002432623165356338612d306337652d346434652d396437612d3366306431623263346535660007707572"
            "706f736500137465616d636974792d63726564656e7469616c000674656e616e74002438663134653435662d636565612d3436"
            "37612d393537352d356632613165376330623131");
  ScriptedRandom scripted({std::string(32, '\x11') + std::string(32, '\x22') + std::string(12, '\x33') +
                           std::string(12, '\x44')});
  auto c = Encrypt(keys_, scripted, kContext, kPlaintext);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 222u);
  EXPECT_EQ(core::HexEncode(*c), kExpectedHex);
  auto opened = Decrypt(keys_, kContext, FromHex(kExpectedHex));
  ASSERT_TRUE(opened.ok()) << ToString(*opened.failure);
  EXPECT_EQ(opened.plaintext->reveal(), kPlaintext);
  EXPECT_EQ(KeyIdOf(*c), "kek-2025");
}

TEST_F(EnvelopeTest, TwoEncryptionsOfTheSameInputDiffer) {
  EXPECT_NE(Seal(), Seal());
}

TEST_F(EnvelopeTest, EverySingleBitFlipIsRejected) {
  const std::string sealed = Seal();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      EXPECT_FALSE(Decrypt(keys_, kContext, tampered).ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(EnvelopeTest, TruncationsAndAppendsAreRejected) {
  const std::string sealed = Seal();
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{10}, sealed.size() - 17,
                          sealed.size() - 1}) {
    auto r = Decrypt(keys_, kContext, sealed.substr(0, len));
    EXPECT_FALSE(r.ok()) << len;
  }
  EXPECT_FALSE(Decrypt(keys_, kContext, sealed + "x").ok());
}

TEST_F(EnvelopeTest, FailuresCarryDistinctReasons) {
  std::string sealed = Seal();
  std::string v2 = sealed;
  v2[0] = '\x02';
  EXPECT_EQ(Decrypt(keys_, kContext, v2).failure, DecryptFailure::unsupported_version);
  EXPECT_EQ(Decrypt(keys_, kContext, "").failure, DecryptFailure::malformed);

  TestKeys other;
  other.AddKey("kek-2026", SequenceKey(), true);
  EXPECT_EQ(Decrypt(other, kContext, sealed).failure, DecryptFailure::unknown_key_id);

  TestKeys impostor;  // same id, different key bytes
  impostor.AddKey("kek-2025", std::string(32, 'x'), true);
  EXPECT_EQ(Decrypt(impostor, kContext, sealed).failure, DecryptFailure::unwrap_failed);

  std::string bad_commitment = sealed;
  bad_commitment[3 + 8 + 32 + 12 + 48] ^= 1;
  EXPECT_EQ(Decrypt(keys_, kContext, bad_commitment).failure, DecryptFailure::commitment_mismatch);

  std::string bad_body = sealed;
  bad_body[bad_body.size() - 20] ^= 1;
  EXPECT_EQ(Decrypt(keys_, kContext, bad_body).failure, DecryptFailure::authentication_failed);
}

TEST_F(EnvelopeTest, TheContextIsBoundButNotStored) {
  const std::string sealed = Seal();
  EXPECT_EQ(sealed.find("8f14e45f"), std::string::npos);  // not stored
  auto with = [](std::string key, std::string value) {
    EncryptionContext c = kContext;
    c[key] = value;
    return c;
  };
  EXPECT_FALSE(Decrypt(keys_, with("tenant", "00000000-0000-4000-8000-000000000000"), sealed).ok());
  EXPECT_FALSE(Decrypt(keys_, with("purpose", "connect-shared-secret"), sealed).ok());
  EXPECT_FALSE(Decrypt(keys_, with("cred", "00000000-0000-4000-8000-000000000000"), sealed).ok());
  EXPECT_FALSE(Decrypt(keys_, with("extra", "x"), sealed).ok());
  EncryptionContext missing = kContext;
  missing.erase("cred");
  EXPECT_FALSE(Decrypt(keys_, missing, sealed).ok());
  EXPECT_TRUE(Decrypt(keys_, kContext, sealed).ok());
}

TEST_F(EnvelopeTest, RotationKeepsOldRecordsReadable) {
  const std::string old_record = Seal();
  TestKeys rotated;
  rotated.AddKey("kek-2025", SequenceKey(), false);
  rotated.AddKey("kek-2026", std::string(32, '\x07'), true);
  auto fresh = Encrypt(rotated, random_, kContext, "new");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(KeyIdOf(*fresh), "kek-2026");
  EXPECT_TRUE(Decrypt(rotated, kContext, old_record).ok());
  EXPECT_EQ(Decrypt(rotated, kContext, *fresh).plaintext->reveal(), "new");
}

TEST_F(EnvelopeTest, EmptyPlaintextWorks) {
  auto opened = Decrypt(keys_, kContext, Seal(kContext, ""));
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened.plaintext->empty());
}

}  // namespace
}  // namespace tcj::crypto
