// The restore drill: data in, backup, wipe, restore: the same rows, secrets that still decrypt,
// no secret in the backup file, and sites past retention purged by the restore.
#include "backup/backup.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/random.hpp"
#include "crypto/keyring.hpp"
#include "db/migrations.hpp"
#include "db/transaction.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarker = "marker-token-for-the-backup-drill-91ab";

class BackupTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    dir_ = fs::temp_directory_path() / ("tcj-backup-test-" + core::RandomHex(6));
    fs::create_directories(dir_);
    kept_ = tenants_.Create(tenants::TenantKind::oauth, "https://kept.atlassian.net", "Kept").id;
    gone_ = tenants_.Create(tenants::TenantKind::oauth, "https://gone.atlassian.net", "Gone").id;
    for (const auto& tenant : {kept_, gone_}) {
      tenants::TeamCityCredentials credentials;
      credentials.kind = tenants::TeamCityAuthKind::token;
      credentials.token = core::Secret(std::string(kMarker));
      ASSERT_TRUE(servers_.Create(tenant, "main", "https://tc.example.com", credentials).ok());
    }
    ASSERT_TRUE(tenants_.MarkUninstalled(gone_));
    auto admin = db::Connection::Open(AdminSettings());
    admin->ExecScript("UPDATE tenants SET uninstalled_at = now() - interval '61 days' WHERE site_url LIKE '%gone%'");
  }
  void TearDown() override {
    fs::remove_all(dir_);
    PgTest::TearDown();
  }

  BackupTarget Target() const {
    return {testing::TestAdminSettings().WithSchema(schema()), RuntimeSettings(), schema(), "the test database"};
  }

  std::int64_t Count(const std::string& table) {
    auto admin = db::Connection::Open(AdminSettings());
    return admin->Exec("SELECT count(*) FROM " + table)[0].Int(0);
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
  crypto::OsRandom random_;
  crypto::Keyring keys_ = crypto::Keyring::Generate(random_, "kek-drill");
  core::MetricsRegistry registry_;
  tenants::SecretMetrics metrics_{registry_};
  tenants::SecretBox box_{keys_, random_, metrics_, log_};
  tenants::TenantStore tenants_{pool(), box_};
  tenants::ServerStore servers_{pool(), box_};
  fs::path dir_;
  core::TenantId kept_, gone_;
};

TEST_F(BackupTest, RestoreDrill) {
  const std::int64_t servers_before = Count("teamcity_servers");
  ASSERT_EQ(servers_before, 2);
  auto backup = CreateBackup(Target(), keys_, random_, dir_, std::chrono::system_clock::now());
  ASSERT_TRUE(backup.ok()) << backup.error().message;
  EXPECT_EQ(backup->header.key_id, "kek-drill");
  EXPECT_EQ((fs::status(backup->path).permissions() & fs::perms::others_all), fs::perms::none);
  std::stringstream bytes;
  bytes << std::ifstream(backup->path, std::ios::binary).rdbuf();
  EXPECT_EQ(bytes.str().find(kMarker), std::string::npos) << "a secret in clear text";
  EXPECT_EQ(bytes.str().find("kept.atlassian.net"), std::string::npos) << "any data in clear text";

  // Wipe, then restore.
  db::Connection::Open(testing::TestAdminSettings())
      ->ExecScript("DROP SCHEMA " + db::QuoteIdentifier(schema()) + " CASCADE");
  const auto restored = RestoreBackup(Target(), keys_, backup->path, 60, std::chrono::system_clock::now(), log_);
  ASSERT_TRUE(restored.ok()) << restored.error().message;

  EXPECT_EQ(Count("teamcity_servers"), 1) << "the site past retention was purged by the restore";
  EXPECT_EQ(Count("tenants"), 1);
  const auto servers = servers_.List(kept_);
  ASSERT_EQ(servers.size(), 1u);
  auto credentials = servers_.Credentials(kept_, servers[0].id);
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  EXPECT_EQ(credentials->token.reveal(), kMarker) << "secrets still decrypt with the keyring";

  // Never over data.
  const auto again = RestoreBackup(Target(), keys_, backup->path, 60, std::chrono::system_clock::now(), log_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "backup.not_empty");
}

TEST_F(BackupTest, ListAndPrune) {
  using namespace std::chrono;
  const core::TimePoint made = sys_days{year{2026} / December / 6} + hours{3};
  auto first = CreateBackup(Target(), keys_, random_, dir_, made);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->header.created_at, "2026-12-06T03:00:00Z");
  EXPECT_EQ(first->path.filename().string().substr(0, 21), "tcj-20261206T030000Z-");
  std::ofstream(dir_ / "notes.txt") << "not a backup";
  std::ofstream(dir_ / "fake.backup") << "not a backup either";
  const auto listed = ListBackups(dir_);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].path, first->path);

  EXPECT_TRUE(PruneBackups(dir_, made + hours(24) * 35, 35).empty());
  const auto pruned = PruneBackups(dir_, made + hours(24) * 35 + seconds(1), 35);
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_FALSE(fs::exists(first->path));
  EXPECT_TRUE(fs::exists(dir_ / "notes.txt")) << "other files are left alone";
}

}  // namespace
}  // namespace tcj::backup
