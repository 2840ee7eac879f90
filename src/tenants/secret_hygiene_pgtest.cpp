// Stored secrets are never in clear text: not in any table, not in a database dump, not in the log.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/text.hpp"
#include "core/process.hpp"
#include "crypto/sha256.hpp"
#include "db/connection.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::tenants {
namespace {

std::string PgDump() {
  std::filesystem::path best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    if (std::filesystem::exists(e.path() / "bin" / "pg_dump")) best = e.path() / "bin" / "pg_dump";
  }
  return best.string();
}

class SecretHygieneTest : public testing::PgTest {};

TEST_F(SecretHygieneTest, MarkerSecretsAppearNowhereInClearText) {
  auto sink = std::make_shared<testing::CaptureSink>();
  const core::Logger log(sink, core::LogLevel::debug);
  testing::TestKeys keys;
  keys.Add("kek-1", 'k', true);
  crypto::OsRandom random;
  core::MetricsRegistry registry;
  SecretMetrics metrics(registry);
  SecretBox box(keys, random, metrics, log);
  TenantStore tenants(pool(), box);
  ServerStore servers(pool(), box);

  const std::vector<std::string> markers = {"MARKER-token-7f3a9c", "MARKER-password-b81e", "MARKER-shared-secret-42d0",
                                            "MARKER-client-secret-9e11"};
  auto tenant = tenants.Create(TenantKind::connect, "https://m.atlassian.net", "");
  tenants.SetJiraSecret(tenant.id, kConnectSharedSecret, core::Secret(markers[2]));
  tenants.SetJiraSecret(tenant.id, kOAuthClientSecret, core::Secret(markers[3]));
  TeamCityCredentials token;
  token.kind = TeamCityAuthKind::token;
  token.token = core::Secret(markers[0]);
  ASSERT_TRUE(servers.Create(tenant.id, "a", "https://tc.example.com", token).ok());
  TeamCityCredentials basic;
  basic.kind = TeamCityAuthKind::basic;
  basic.username = "u";
  basic.password = core::Secret(markers[1]);
  auto b = servers.Create(tenant.id, "b", "https://tc.example.com", basic);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(servers.Credentials(tenant.id, b->id).ok());  // reading them logs nothing secret either

  // Every row of every table, as text (bytea shows as hex, so look for the hex form as well).
  auto admin = db::Connection::Open(AdminSettings());
  std::string everything;
  for (db::Row table : admin->Exec("SELECT tablename FROM pg_tables WHERE schemaname = $1",
                                   std::array<db::Param, 1>{schema()})) {
    for (db::Row row : admin->Exec("SELECT t::text FROM " + table.String(0) + " t")) everything += row.String(0);
  }
  auto dump = core::RunProcess({PgDump(), "--data-only", "--schema", schema(), "--dbname",
                                std::string(testing::TestAdminSettings().params[0].second)},
                               {.max_output_bytes = 16 * 1024 * 1024});
  ASSERT_TRUE(dump.ok());
  ASSERT_EQ(dump->exit_code, 0) << dump->output;
  ASSERT_NE(dump->output.find("teamcity_servers"), std::string::npos);
  const std::string logs = sink->all();
  for (const std::string& m : markers) {
    EXPECT_EQ(everything.find(m), std::string::npos) << m;
    EXPECT_EQ(everything.find(core::HexEncode(m)), std::string::npos) << m;
    EXPECT_EQ(dump->output.find(m), std::string::npos) << m;
    EXPECT_EQ(dump->output.find(core::HexEncode(m)), std::string::npos) << m;
    EXPECT_EQ(logs.find(m), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tcj::tenants
