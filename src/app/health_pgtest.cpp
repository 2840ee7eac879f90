// DatabaseHealth against the test cluster: a server that takes no writes is not ready, and says so.
#include "app/health.hpp"

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::app {
namespace {

class HealthTest : public testing::PgTest {
 protected:
  DatabaseState Check(const db::ConnectionSettings& settings) {
    DatabaseHealth health(settings, /*required_version=*/1, core::Logger(sink_, core::LogLevel::info), registry_);
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

}  // namespace
}  // namespace tcj::app
