#include "db/migrations.hpp"

#include <gtest/gtest.h>

namespace tcj::db {
namespace {

TEST(Migrations, EmbeddedSetIsWellFormed) {
  auto parsed = ParseMigrations(EmbeddedMigrations());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_GE(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].file_name, "0001_roles.sql");
  EXPECT_EQ((*parsed)[0].checksum.size(), 64u);
}

TEST(Migrations, RefusesBadNamesAndGaps) {
  const MigrationSource bad_name[] = {{"1_roles.sql", "SELECT 1"}};
  EXPECT_FALSE(ParseMigrations(bad_name).ok());
  const MigrationSource not_sql[] = {{"0001_roles.txt", "SELECT 1"}};
  EXPECT_FALSE(ParseMigrations(not_sql).ok());
  const MigrationSource gap[] = {{"0001_a.sql", "SELECT 1"}, {"0003_c.sql", "SELECT 1"}};
  EXPECT_FALSE(ParseMigrations(gap).ok());
}

TEST(Migrations, EveryMigrationAfterTheFirstRunsAsTheOwner) {
  // Objects created by any other role would escape the ownership rules the RLS tests check.
  auto parsed = ParseMigrations(EmbeddedMigrations());
  ASSERT_TRUE(parsed.ok());
  for (std::size_t i = 1; i < parsed->size(); ++i) {
    EXPECT_NE((*parsed)[i].sql.find("SET LOCAL ROLE tcj_owner;"), std::string::npos) << (*parsed)[i].file_name;
  }
}

TEST(Migrations, QuotesIdentifiers) {
  EXPECT_EQ(QuoteIdentifier("app"), "\"app\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace tcj::db
