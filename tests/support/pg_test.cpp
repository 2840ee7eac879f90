#include "support/pg_test.hpp"

#include "support/capture_sink.hpp"

#include <cstdlib>

#include "core/random.hpp"
#include "db/migrations.hpp"

namespace tcj::testing {

db::ConnectionSettings TestAdminSettings() {
  const char* conninfo = std::getenv("TEAMCITY_JIRA_TEST_PG");
  if (conninfo == nullptr || *conninfo == '\0') {
    ADD_FAILURE() << "TEAMCITY_JIRA_TEST_PG is not set: pg tests run under `make test`, which starts PostgreSQL "
                     "(or run them through scripts/with-test-postgres)";
    return db::ConnectionSettings::FromUrl("host=/nonexistent");
  }
  return db::ConnectionSettings::FromUrl(conninfo);
}

PgTest::PgTest()
    : schema_("t_" + core::RandomHex(8)),
      pool_(std::make_unique<db::Pool>(RuntimeSettings(), db::PoolOptions{.size = 4})) {}

void PgTest::SetUp() {
  auto admin = db::Connection::Open(TestAdminSettings());
  auto migrations = db::ParseMigrations(db::EmbeddedMigrations());
  ASSERT_TRUE(migrations.ok()) << migrations.error().message;
  db::Migrator migrator(*admin, schema_, core::Logger(std::make_shared<CaptureSink>(), core::LogLevel::error));
  auto ran = migrator.Run(*migrations);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
}

void PgTest::TearDown() {
  pool_.reset();
  if (schema_.empty()) return;
  auto admin = db::Connection::Open(TestAdminSettings());
  admin->ExecScript("DROP SCHEMA IF EXISTS " + db::QuoteIdentifier(schema_) + " CASCADE");
}

db::ConnectionSettings PgTest::RuntimeSettings() const {
  return TestAdminSettings().With("user", "tcj_app").WithSchema(schema_);
}

db::ConnectionSettings PgTest::AdminSettings() const { return TestAdminSettings().WithSchema(schema_); }

}  // namespace tcj::testing
