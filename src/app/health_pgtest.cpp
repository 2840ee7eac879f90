// DatabaseHealth against the test cluster: a server that takes no writes is not ready, and says so;
// nor is a schema contracted past this executable.
#include "app/health.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "app/database.hpp"
#include "core/metrics.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::app {
namespace {

class HealthTest : public testing::PgTest {
 protected:
  DatabaseState Check(const db::ConnectionSettings& settings) {
    DatabaseHealth health(settings, /*required_version=*/1, /*known_version=*/1,
                          core::Logger(sink_, core::LogLevel::info), registry_);
    return health.CheckOnce();
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::MetricsRegistry registry_;
};

TEST_F(HealthTest, AWritablePrimaryIsReady) {
  EXPECT_EQ(Check(RuntimeSettings()), DatabaseState::ready);
}

// What the service sees of a primary a failover tool is demoting (or of a standby): /readyz says
// database_read_only until a fresh connection finds a server that takes writes.
TEST_F(HealthTest, AServerThatTakesNoWritesIsNotReady) {
  const auto read_only =
      RuntimeSettings().With("options", "-c search_path=" + schema() + " -c default_transaction_read_only=on");
  EXPECT_EQ(Check(read_only), DatabaseState::read_only);
  EXPECT_EQ(ToString(DatabaseState::read_only), "database_read_only");
  EXPECT_NE(sink_->all().find("database_read_only"), std::string::npos) << sink_->all();
}

class ContractedHealthTest : public testing::PgTest {
 protected:
  // Records a migration after this build's as applied (as a newer executable's migrate would).
  void ApplyNewer(const std::string& file, bool contracting) {
    auto admin = db::Connection::Open(AdminSettings());
    admin->Exec(
        "INSERT INTO schema_migrations (version, file_name, checksum, contracting) "
        "SELECT max(version) + 1, $1, 'c', $2 FROM schema_migrations",
        std::array<db::Param, 2>{db::Param(file), db::Param(contracting)});
  }

  DatabaseState Check(int known) {
    core::MetricsRegistry metrics;
    DatabaseHealth health(RuntimeSettings(), known, known, log_, metrics);
    const DatabaseState state = health.CheckOnce();
    contracted_by_ = health.contracted_by();
    return state;
  }

  core::Logger log_{std::make_shared<testing::CaptureSink>(), core::LogLevel::info};
  std::string contracted_by_;
  const int known_ = static_cast<int>(KnownMigrations().size());
};

TEST_F(ContractedHealthTest, ANewerSchemaThatOnlyExpandedIsReady) {
  ApplyNewer("0900_expand.sql", false);
  EXPECT_EQ(Check(known_), DatabaseState::ready);
}

TEST_F(ContractedHealthTest, AContractingMigrationThisBuildLacksMakesItNotReady) {
  ApplyNewer("0900_expand.sql", false);
  ApplyNewer("0901_contract.sql", true);
  EXPECT_EQ(Check(known_), DatabaseState::schema_contracted);
  EXPECT_EQ(contracted_by_, "0901_contract.sql");
  EXPECT_EQ(ToString(DatabaseState::schema_contracted), "schema_contracted");
  // The executable that carries it (and knows both) is ready.
  EXPECT_EQ(Check(known_ + 2), DatabaseState::ready);
}

// An old process that started while a migrate ran (and so was not yet in the registry it checks)
// stops itself once the contracting migration is in, instead of going on syncing beside it.
TEST_F(ContractedHealthTest, AProcessLeftBehindByAContractingMigrationStopsItself) {
  std::promise<void> stopped;
  core::MetricsRegistry metrics;
  DatabaseHealth health(
      RuntimeSettings(), known_, known_, log_, metrics,
      [&, once = std::make_shared<std::once_flag>()] { std::call_once(*once, [&] { stopped.set_value(); }); });
  health.Start();
  ApplyNewer("0900_contract.sql", true);
  EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "the process went on with a schema contracted past it";
  health.Stop();
  EXPECT_EQ(health.state(), DatabaseState::schema_contracted);
}

}  // namespace
}  // namespace tcj::app
