#include "crypto/keyring.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "core/base64.hpp"
#include "support/child_process.hpp"

namespace tcj::crypto {
namespace {

namespace fs = std::filesystem;

std::string KeyB64(char fill = 'k') { return core::Base64Encode(std::string(32, fill)); }

std::string Entry(const std::string& id, const std::string& state, const std::string& key = KeyB64()) {
  return R"({"id":")" + id + R"(","key":")" + key + R"(","state":")" + state + R"("})";
}

TEST(Keyring, ParsesAGoodKeyring) {
  auto ring = Keyring::Parse(R"({"keys":[)" + Entry("kek-2025", "decrypt-only") + "," +
                             Entry("kek-2026", "active", KeyB64('n')) + "]}");
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring->Active().id, "kek-2026");
  ASSERT_NE(ring->Find("kek-2025"), nullptr);
  EXPECT_EQ(ring->Find("kek-2025")->key.reveal(), std::string(32, 'k'));
  EXPECT_EQ(ring->Find("nope"), nullptr);
}

TEST(Keyring, RefusesBadKeyrings) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "{"},
      {"no keys", "{}"},
      {"zero active", R"({"keys":[)" + Entry("a", "decrypt-only") + "]}"},
      {"two active", R"({"keys":[)" + Entry("a", "active") + "," + Entry("b", "active") + "]}"},
      {"bad base64", R"({"keys":[)" + Entry("a", "active", "not base64!") + "]}"},
      {"short key", R"({"keys":[)" + Entry("a", "active", core::Base64Encode("short")) + "]}"},
      {"bad id", R"({"keys":[)" + Entry("a/b", "active") + "]}"},
      {"duplicate id", R"({"keys":[)" + Entry("a", "active") + "," + Entry("a", "decrypt-only") + "]}"},
      {"bad state", R"({"keys":[)" + Entry("a", "primary") + "]}"},
      {"extra field", R"({"keys":[{"id":"a","key":")" + KeyB64() + R"(","state":"active","note":"x"}]})"},
      {"unknown top-level field", R"({"keys":[)" + Entry("a", "active") + R"(],"kek":"x"})"},
  };
  for (const auto& [name, json] : cases) {
    auto ring = Keyring::Parse(json);
    EXPECT_FALSE(ring.ok()) << name;
    if (!ring.ok()) {
      EXPECT_EQ(ring.error().message.find(KeyB64()), std::string::npos) << "key material in message";
    }
  }
}

class KeyringFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("tcj-keyring"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  OsRandom random_;
};

TEST_F(KeyringFileTest, SavesWithMode0600AndLoadsBack) {
  const auto file = dir_ / "sub" / "keyring.json";
  Keyring ring = Keyring::Generate(random_, "kek-1");
  ASSERT_TRUE(ring.Save(file, false).ok());
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = Keyring::Load(file);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->Active().key.reveal(), ring.Active().key.reveal());
  EXPECT_FALSE(ring.Save(file, false).ok());  // never replaces a keyring by accident
}

TEST_F(KeyringFileTest, RefusesMissingAndReadableByOthers) {
  EXPECT_FALSE(Keyring::Load(dir_ / "missing.json").ok());
  const auto file = dir_ / "keyring.json";
  ASSERT_TRUE(Keyring::Generate(random_, "kek-1").Save(file, false).ok());
  chmod(file.c_str(), 0644);
  auto loaded = Keyring::Load(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("chmod 600"), std::string::npos) << loaded.error().message;
  chmod(file.c_str(), 0640);
  EXPECT_FALSE(Keyring::Load(file).ok());
  chmod(file.c_str(), 0400);
  EXPECT_TRUE(Keyring::Load(file).ok());
}

TEST_F(KeyringFileTest, AddRotateRemove) {
  Keyring ring = Keyring::Generate(random_, "kek-1");
  ASSERT_TRUE(ring.Add(random_, "kek-2").ok());
  EXPECT_EQ(ring.Active().id, "kek-1");  // added keys wait, decrypt-only
  EXPECT_FALSE(ring.Add(random_, "kek-2").ok());
  ASSERT_TRUE(ring.Rotate(random_, "kek-2").ok());
  EXPECT_EQ(ring.Active().id, "kek-2");
  EXPECT_EQ(ring.Find("kek-1")->state, KeyState::decrypt_only);
  ASSERT_TRUE(ring.Rotate(random_, "kek-3").ok());  // rotating to a new id adds it
  EXPECT_EQ(ring.Active().id, "kek-3");
  EXPECT_FALSE(ring.Remove("kek-3").ok());  // not the active key
  EXPECT_TRUE(ring.Remove("kek-1").ok());
  EXPECT_EQ(ring.Ids(), (std::vector<std::string>{"kek-2", "kek-3"}));
  auto reparsed = Keyring::Parse(ring.ToJson());
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
  EXPECT_EQ(reparsed->Active().id, "kek-3");
}

TEST(KeyIds, NewIdsAreDatedAndUnique) {
  core::ManualClock clock(core::Clock::TimePoint{std::chrono::seconds{1'795'910'400}});  // 2026-11-29
  EXPECT_EQ(NewKeyId(clock, nullptr), "kek-2026-11-29");
  OsRandom random;
  Keyring ring = Keyring::Generate(random, "kek-2026-11-29");
  EXPECT_EQ(NewKeyId(clock, &ring), "kek-2026-11-29-2");
}

}  // namespace
}  // namespace tcj::crypto
