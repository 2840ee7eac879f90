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

TEST(Migrations, AFirstLineMarkerMakesAMigrationContracting) {
  const MigrationSource sources[] = {{"0001_a.sql", "SELECT 1"},
                                     {"0002_b.sql", "-- migration: contract\nSELECT 2"},
                                     {"0003_c.sql", "-- migration: contract\r\nSELECT 3"},
                                     {"0004_d.sql", "SELECT 4\n-- migration: contract\n"},
                                     {"0005_e.sql", "-- migration: contract"}};
  auto parsed = ParseMigrations(sources);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  std::vector<bool> contracting;
  for (const Migration& m : *parsed) contracting.push_back(m.contracting);
  EXPECT_EQ(contracting, (std::vector<bool>{false, true, true, false, true})) << "only the first line counts";
}

TEST(Migrations, AMisspeltMarkerIsRefusedRatherThanReadAsExpanding) {
  for (const char* first :
       {"-- migration: contracting", "-- migration: Contract", "-- migration:contract", "-- migration: expand"}) {
    const MigrationSource sources[] = {{"0001_a.sql", "SELECT 1"}, {"0002_b.sql", std::string_view(first)}};
    auto parsed = ParseMigrations(sources);
    ASSERT_FALSE(parsed.ok()) << first;
    EXPECT_NE(parsed.error().message.find("0002_b.sql"), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("-- migration: contract"), std::string::npos) << parsed.error().message;
  }
}

TEST(Migrations, AnExecutableNeedsEverythingButItsTrailingContractingMigrations) {
  auto make = [](const std::vector<bool>& contracting) {
    std::vector<Migration> out;
    for (bool c : contracting) {
      Migration m;
      m.version = static_cast<int>(out.size()) + 1;
      m.contracting = c;
      out.push_back(m);
    }
    return out;
  };
  EXPECT_EQ(RequiredVersion(make({})), 0);
  EXPECT_EQ(RequiredVersion(make({false, false})), 2);
  EXPECT_EQ(RequiredVersion(make({false, false, true})), 2);
  EXPECT_EQ(RequiredVersion(make({false, true, true})), 1);
  // A contracting migration followed by an expanding one is needed: the later one applies after it.
  EXPECT_EQ(RequiredVersion(make({false, true, false})), 3);
}

TEST(Migrations, QuotesIdentifiers) {
  EXPECT_EQ(QuoteIdentifier("app"), "\"app\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace tcj::db
