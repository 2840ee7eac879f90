#include "db/migrations.hpp"

#include <gtest/gtest.h>

#include "db/error.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class MigrationsTest : public testing::PgTest {
 protected:
  std::vector<Migration> Known() { return std::move(ParseMigrations(EmbeddedMigrations())).value(); }
  core::Logger log_{std::make_shared<testing::CaptureSink>(), core::LogLevel::info};
};

TEST_F(MigrationsTest, SecondRunIsANoOp) {
  auto admin = Connection::Open(testing::TestAdminSettings());
  Migrator migrator(*admin, schema(), log_);  // SetUp already migrated this schema
  auto ran = migrator.Run(Known());
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 0);
  auto conn = Connection::Open(RuntimeSettings());
  EXPECT_EQ(AppliedVersion(*conn), static_cast<int>(Known().size()));
}

TEST_F(MigrationsTest, AnEditedAppliedMigrationIsRefused) {
  auto migrations = Known();
  migrations[1].sql += "\n-- an innocent-looking edit\n";
  migrations[1].checksum = "0000000000000000000000000000000000000000000000000000000000000000";
  auto admin = Connection::Open(testing::TestAdminSettings());
  auto ran = Migrator(*admin, schema(), log_).Run(migrations);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message.find(migrations[1].file_name), std::string::npos) << ran.error().message;
  EXPECT_NE(ran.error().message.find("changed after it was applied"), std::string::npos) << ran.error().message;
}

TEST_F(MigrationsTest, NewMigrationsApplyInOrderAndAFailingOneRollsBack) {
  auto migrations = Known();
  const int base = static_cast<int>(migrations.size());
  migrations.push_back(Migration{base + 1, "9998_ok.sql", "SET LOCAL ROLE tcj_owner; CREATE TABLE extra (x int);", "c1"});
  migrations.push_back(
      Migration{base + 2, "9999_broken.sql", "SET LOCAL ROLE tcj_owner; CREATE TABLE half (x int); SELEC 1;", "c2"});
  auto admin = Connection::Open(testing::TestAdminSettings());
  auto ran = Migrator(*admin, schema(), log_).Run(migrations);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message.find("9999_broken.sql failed"), std::string::npos) << ran.error().message;
  auto check = Connection::Open(AdminSettings());
  EXPECT_EQ(AppliedVersion(*check), base + 1);
  EXPECT_EQ(check->Exec("SELECT to_regclass('half') IS NULL")[0].Bool(0), true);
  EXPECT_EQ(check->Exec("SELECT to_regclass('extra') IS NOT NULL")[0].Bool(0), true);
}

TEST_F(MigrationsTest, EmptySchemaReportsVersionZero) {
  auto admin = Connection::Open(testing::TestAdminSettings().WithSchema(schema() + "_none"));
  EXPECT_EQ(AppliedVersion(*admin), 0);
}

}  // namespace
}  // namespace tcj::db
