// The key commands against a real database, as an operator runs them: rotate, re-encrypt
// (killed half way, then again), status, remove; and serve's refusal of unsafe keyrings.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>

#include "crypto/keyring.hpp"
#include "db/pool.hpp"
#include "e2e_support.hpp"
#include "support/capture_sink.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using e2e::kExecutable;
using testing::RunCommand;

class KeysE2E : public e2e::E2ETest {
 protected:
  testing::CommandResult Keys(std::vector<std::string> args) {
    std::vector<std::string> argv = {kExecutable, "keys"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, Env());
  }

  db::ConnectionSettings Runtime() const {
    db::ConnectionSettings s;
    s.params = {{"host", data_dir().string()}, {"port", "5432"}, {"user", "tcj_app"}, {"dbname", "teamcity_jira"}};
    return s.WithSchema("app");
  }

  // The real repositories over the embedded database, with the keyring as it is on disk now.
  struct Stores {
    explicit Stores(crypto::Keyring ring, const db::ConnectionSettings& settings,
                    const std::shared_ptr<testing::CaptureSink>& sink)
        : keyring(std::move(ring)), pool(settings, {.size = 2}), metrics(registry),
          box(keyring, random, metrics, core::Logger(sink, core::LogLevel::info)), tenants(pool, box),
          servers(pool, box) {}
    crypto::Keyring keyring;
    db::Pool pool;
    crypto::OsRandom random;
    core::MetricsRegistry registry;
    tenants::SecretMetrics metrics;
    tenants::SecretBox box;
    tenants::TenantStore tenants;
    tenants::ServerStore servers;
  };
  std::unique_ptr<Stores> OpenStores() {
    auto ring = crypto::Keyring::Load(keyring());
    EXPECT_TRUE(ring.ok()) << (ring.ok() ? "" : ring.error().message);
    return std::make_unique<Stores>(std::move(ring).value(), Runtime(), sink_);
  }

  // Stores `count` token credentials through the real repository.
  void SeedServers(int count) {
    auto stores = OpenStores();
    auto tenant = stores->tenants.Create(tenants::TenantKind::oauth, "https://x.atlassian.net", "");
    for (int i = 0; i < count; ++i) {
      tenants::TeamCityCredentials c;
      c.kind = tenants::TeamCityAuthKind::token;
      c.token = core::Secret("e2e-token-" + std::to_string(i));
      auto s = stores->servers.Create(tenant.id, "tc" + std::to_string(i), "https://tc.example.com", c);
      ASSERT_TRUE(s.ok());
      tokens_[s->id.str()] = {tenant.id.str(), std::string(c.token.reveal())};
    }
  }

  // Every stored credential opens with the keyring on disk and equals what was stored.
  void ExpectAllReadable() {
    auto stores = OpenStores();
    for (const auto& [server, expected] : tokens_) {
      auto creds = stores->servers.Credentials(core::TenantId(expected.first), core::ServerId(server));
      ASSERT_TRUE(creds.ok()) << creds.error().message;
      EXPECT_EQ(creds->token.reveal(), expected.second);
    }
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  std::map<std::string, std::pair<std::string, std::string>> tokens_;  // server -> (tenant, token)
};

TEST_F(KeysE2E, ServeCreatesAPrivateKeyringForTheEmbeddedDatabase) {
  Migrate();
  Serve();
  EXPECT_TRUE(serve_->WaitForOutput("secrets.keyring_created", 10s).has_value());
  struct stat st {};
  ASSERT_EQ(stat(keyring().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(crypto::Keyring::Load(keyring()).ok());
}

TEST_F(KeysE2E, RotateReencryptAfterAKillStatusAndRemove) {
  Migrate();
  ASSERT_EQ(Keys({"generate", "--output", keyring().string(), "--id", "kek-old"}).exit_code, 0);
  ASSERT_EQ(e2e::StartCluster(data_dir()).exit_code, 0);
  SeedServers(7);

  auto status = Keys({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("kek-old"), std::string::npos);
  EXPECT_NE(status.output.find("teamcity_servers.credentials"), std::string::npos) << status.output;

  auto rotate = Keys({"rotate", "--id", "kek-new"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.output;
  auto ring = crypto::Keyring::Load(keyring());
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->Active().id, "kek-new");
  EXPECT_EQ(ring->Find("kek-old")->state, crypto::KeyState::decrypt_only);
  ExpectAllReadable();  // old records still open after the rotation

  auto refused = Keys({"remove", "--id", "kek-old"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("still use key kek-old"), std::string::npos) << refused.output;

  // Killed in its second batch: the first batch is committed, the second rolled back.
  auto killed = Keys({"reencrypt", "--batch", "3", "--test-crash-after-batches", "1"});
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.output;
  auto midway = Keys({"status"});
  EXPECT_NE(midway.output.find("kek-old is still used"), std::string::npos) << midway.output;
  ExpectAllReadable();

  auto rerun = Keys({"reencrypt", "--batch", "3"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("done: 4 records re-encrypted"), std::string::npos) << rerun.output;
  auto again = Keys({"reencrypt"});
  EXPECT_NE(again.output.find("done: 0 records re-encrypted"), std::string::npos) << again.output;

  auto final_status = Keys({"status"});
  EXPECT_NE(final_status.output.find("kek-old is used by no record"), std::string::npos) << final_status.output;
  ASSERT_EQ(Keys({"remove", "--id", "kek-old"}).exit_code, 0);
  ExpectAllReadable();  // every record opens without the old key: nothing lost, nothing double-encrypted
}

TEST_F(KeysE2E, MetricsCountRecordsPerKeyAndNothingSecretIsLogged) {
  Migrate();
  ASSERT_EQ(Keys({"generate", "--output", keyring().string(), "--id", "kek-m"}).exit_code, 0);
  ASSERT_EQ(e2e::StartCluster(data_dir()).exit_code, 0);
  SeedServers(3);
  Serve();
  auto metrics = testing::HttpGet(internal_port_, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find(R"(secrets_records{column="teamcity_servers.credentials",key_id="kek-m"} 3)"),
            std::string::npos)
      << metrics->body;
  auto status = Keys({"status"});
  serve_->Signal(SIGTERM);
  ASSERT_TRUE(serve_->WaitForExit(30s).has_value());
  for (const auto& [server, expected] : tokens_) {
    EXPECT_EQ(serve_->Output().find(expected.second), std::string::npos);
    EXPECT_EQ(metrics->body.find(expected.second), std::string::npos);
    EXPECT_EQ(status.output.find(expected.second), std::string::npos);
  }
}

TEST_F(KeysE2E, GenerateAddsAStagedKeyAndPrintsNewKeyrings) {
  auto printed = Keys({"generate", "--id", "kek-a"});
  ASSERT_EQ(printed.exit_code, 0);
  EXPECT_TRUE(crypto::Keyring::Parse(printed.output).ok()) << printed.output;
  ASSERT_EQ(Keys({"generate", "--output", keyring().string()}).exit_code, 0);
  EXPECT_EQ(Keys({"generate", "--output", keyring().string()}).exit_code, 1);  // never overwrites
  auto added = Keys({"generate", "--add", "--id", "kek-staged"});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  auto ring = crypto::Keyring::Load(keyring());
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->Find("kek-staged")->state, crypto::KeyState::decrypt_only);
  ASSERT_EQ(Keys({"rotate", "--id", "kek-staged"}).exit_code, 0);
  EXPECT_EQ(crypto::Keyring::Load(keyring())->Active().id, "kek-staged");
}

TEST_F(KeysE2E, ServeRefusesUnsafeOrMissingKeyrings) {
  Migrate();
  ASSERT_EQ(Keys({"generate", "--output", keyring().string()}).exit_code, 0);
  chmod(keyring().c_str(), 0644);
  auto readable = RunCommand({kExecutable, "serve"}, Env());
  EXPECT_EQ(readable.exit_code, 1);
  EXPECT_NE(readable.output.find("readable or writable by others"), std::string::npos) << readable.output;

  std::ofstream(keyring(), std::ios::trunc) << "{\"keys\": []}";
  chmod(keyring().c_str(), 0600);
  auto empty = RunCommand({kExecutable, "serve"}, Env());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.output.find("exactly one active key"), std::string::npos) << empty.output;

  std::filesystem::remove(keyring());
  auto missing = RunCommand(
      {kExecutable, "serve"},
      Env({"TCJ_DATABASE_URL=host=" + data_dir().string() + " port=5432 user=tcj_app dbname=teamcity_jira"}));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("keys generate --output"), std::string::npos) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(keyring()));  // never invented for a database of one's own
}

}  // namespace
}  // namespace tcj
