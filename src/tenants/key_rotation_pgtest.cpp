#include "tenants/key_rotation.hpp"

#include <gtest/gtest.h>

#include <set>

#include "crypto/envelope.hpp"
#include "db/connection.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/forge_registry.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::tenants {
namespace {

constexpr const char* kForgeInstallation = "ari:cloud:ecosystem::installation/1";

class KeyRotationTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    keys_.Add("kek-2025", 'a', true);
  }

  // Tokens "token-<tenant>-<i>" on n servers in each of several tenants, plus tenant secrets.
  void Seed(int tenants, int servers_per_tenant) {
    for (int t = 0; t < tenants; ++t) {
      auto tenant = tenant_store_.Create(TenantKind::connect, "https://s" + std::to_string(t) + ".atlassian.net", "");
      tenant_store_.SetJiraSecret(tenant.id, kConnectSharedSecret, core::Secret("shared-" + std::to_string(t)));
      for (int i = 0; i < servers_per_tenant; ++i) {
        TeamCityCredentials c;
        c.kind = TeamCityAuthKind::token;
        c.token = core::Secret("token-" + std::to_string(t) + "-" + std::to_string(i));
        auto s = servers_.Create(tenant.id, "tc" + std::to_string(i), "https://tc.example.com", c);
        ASSERT_TRUE(s.ok());
        expected_[{tenant.id.str(), s->id.str()}] = c.token.reveal();
      }
    }
  }

  // Every server credential opens and equals what was stored (not a ciphertext of it).
  void ExpectAllReadable() {
    for (const auto& [ids, token] : expected_) {
      auto creds = servers_.Credentials(core::TenantId(ids.first), core::ServerId(ids.second));
      ASSERT_TRUE(creds.ok()) << creds.error().message;
      EXPECT_EQ(creds->token.reveal(), token);
    }
  }

  std::map<std::string, std::int64_t> RecordsPerKey() {
    std::map<std::string, std::int64_t> out;
    for (const auto& u : ReadKeyUsage(pool())) out[u.key_id] += u.records;
    return out;
  }

  testing::TestKeys keys_;
  crypto::OsRandom random_;
  core::MetricsRegistry registry_;
  SecretMetrics metrics_{registry_};
  SecretBox box_{keys_, random_, metrics_, core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::info)};
  TenantStore tenant_store_{pool(), box_};
  ServerStore servers_{pool(), box_};
  std::map<std::pair<std::string, std::string>, std::string> expected_;
};

TEST_F(KeyRotationTest, RotateThenReencryptMovesEveryRecordToTheNewKey) {
  Seed(3, 4);
  EXPECT_EQ(RecordsPerKey(), (std::map<std::string, std::int64_t>{{"kek-2025", 15}}));

  keys_.Add("kek-2026", 'b', true);  // rotate: kek-2025 becomes decrypt-only
  ExpectAllReadable();               // old records still open
  Seed(1, 1);                        // new writes use the new key
  EXPECT_EQ(RecordsPerKey(), (std::map<std::string, std::int64_t>{{"kek-2025", 15}, {"kek-2026", 2}}));

  const auto report = Reencrypt(pool(), box_, {.batch_size = 5}, {});
  EXPECT_EQ(report.reencrypted, 15);
  EXPECT_EQ(report.unreadable, 0);
  EXPECT_EQ(RecordsPerKey(), (std::map<std::string, std::int64_t>{{"kek-2026", 17}}));
  EXPECT_EQ(Reencrypt(pool(), box_, {.batch_size = 5}, {}).reencrypted, 0);  // idempotent

  keys_.Drop("kek-2025");  // the old key can go now
  ExpectAllReadable();
}

TEST_F(KeyRotationTest, UnreadableRecordsAreReportedAndPassedOver) {
  Seed(2, 2);
  keys_.Add("kek-2026", 'b', true);
  auto admin = db::Connection::Open(AdminSettings());
  // One credential under a key id nobody has.
  const db::Rows one = admin->Exec("SELECT server_id FROM teamcity_servers ORDER BY server_id LIMIT 1");
  admin->Exec("UPDATE teamcity_servers SET credentials = overlay(credentials placing 'X'::bytea from 4 for 1) "
              "WHERE server_id = $1",
              std::array<db::Param, 1>{db::Param(one[0].String(0))});
  const auto report = Reencrypt(pool(), box_, {.batch_size = 1}, {});
  EXPECT_EQ(report.unreadable, 1);
  EXPECT_EQ(report.reencrypted, 5);  // 4 - 1 credentials + 2 tenant secrets
  EXPECT_EQ(Reencrypt(pool(), box_, {.batch_size = 1}, {}).reencrypted, 0);
}

TEST_F(KeyRotationTest, ProgressIsReportedPerBatch) {
  Seed(1, 5);
  keys_.Add("kek-2026", 'b', true);
  int calls = 0;
  Reencrypt(pool(), box_, {.batch_size = 2}, [&calls](const EncryptedColumn&, const ReencryptReport&) { ++calls; });
  EXPECT_EQ(calls, 1 + 3);  // tenants: one batch of 1; servers: 2 + 2 + 1
}

TEST_F(KeyRotationTest, EveryByteaColumnIsAKnownEncryptedColumnAndCounted) {
  auto admin = db::Connection::Open(AdminSettings());
  const db::Rows columns = admin->Exec(
      "SELECT table_name || '.' || column_name FROM information_schema.columns "
      "WHERE table_schema = $1 AND data_type = 'bytea'",
      std::array<db::Param, 1>{schema()});
  std::set<std::string> known;
  for (const auto& c : kEncryptedColumns) known.insert(c.Name());
  // TeamCity's answers on their way between two serve processes, deleted once read: no secret
  // (a relay holds TeamCity's credentials and never sends them).
  const std::set<std::string> plain = {"relay_exchanges.body"};
  std::set<std::string> found;
  for (db::Row row : columns) {
    if (!plain.contains(row.String(0))) found.insert(row.String(0));
  }
  EXPECT_EQ(found, known) << "a bytea column is missing from kEncryptedColumns, or the reverse";

  Seed(1, 1);
  const core::TenantId tenant(expected_.begin()->first.first);
  tenant_store_.SetJiraSecret(tenant, kOAuthClientSecret, core::Secret("x"));
  ASSERT_TRUE(servers_.RotateWebhookSecret(tenant, core::ServerId(expected_.begin()->first.second)).ok());
  const core::SystemClock clock;
  ForgeRegistry forge(pool(), box_, clock);
  const auto site = forge.Install({kForgeInstallation, "cloud-1", "ari:cloud:ecosystem::app/a", "PRODUCTION", "e",
                                   "https://api.atlassian.com/ex/jira/cloud-1", ""});
  ASSERT_TRUE(forge.StoreSystemToken(site.tenant, kForgeInstallation, core::Secret("t"),
                                     clock.Now() + std::chrono::hours(2)));
  std::set<std::string> counted;
  for (const auto& u : ReadKeyUsage(pool())) counted.insert(u.column);
  EXPECT_EQ(counted, known) << "maintenance_secret_key_usage() misses a column";
}

}  // namespace
}  // namespace tcj::tenants
