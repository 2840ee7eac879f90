// The serve registry (migrations/0023) and what the migration runner makes of it: a contracting
// migration waits while a serve process built without it runs; expanding ones never wait.
#include "db/serve_registry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "db/error.hpp"
#include "db/migrations.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class ServeRegistryTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    migrations_ = std::move(ParseMigrations(EmbeddedMigrations())).value();
    base_ = static_cast<int>(migrations_.size());
  }

  // Registers, waiting out a migration of another test's schema (the migration lock is the
  // database's, not the schema's).
  std::string Register(const std::string& version, int known, int pid = 4242) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      if (auto id = RegisterServe(pool(), ServeIdentity{"host-a", pid, version, known})) return *id;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "could not register for a minute";
    return "";
  }

  std::vector<LiveServe> Live() {
    auto conn = Connection::Open(RuntimeSettings());
    return LiveServes(*conn, schema());
  }

  // Makes a process look as if it had stopped beating `seconds` ago.
  void Silence(int pid, int seconds) {
    auto admin = Connection::Open(AdminSettings());
    admin->Exec("UPDATE serve_processes SET heartbeat_at = now() - make_interval(secs => $1) WHERE pid = $2",
                std::array<Param, 2>{Param(seconds), Param(pid)});
  }

  // The embedded migrations and, after them, one per entry: contracting (true) or expanding.
  // Each creates a table named after its version, so the test sees what ran.
  std::vector<Migration> WithPending(const std::vector<bool>& contracting) {
    auto out = migrations_;
    for (bool c : contracting) {
      const int version = static_cast<int>(out.size()) + 1;
      const std::string table = "pending_" + std::to_string(version);
      out.push_back(Migration{version, std::to_string(version) + (c ? "_contract.sql" : "_expand.sql"),
                              std::string(c ? "-- migration: contract\n" : "") +
                                  "SET LOCAL ROLE tcj_owner; CREATE TABLE " + table + " (x int);",
                              "checksum-" + std::to_string(version), c});
    }
    return out;
  }

  core::Result<int> Migrate(const std::vector<Migration>& migrations, MigrateScope scope = MigrateScope::all) {
    auto admin = Connection::Open(testing::TestAdminSettings());
    return Migrator(*admin, schema(), log_).Run(migrations, scope);
  }

  int Applied() {
    auto conn = Connection::Open(RuntimeSettings());
    return AppliedVersion(*conn);
  }

  core::Logger log_{std::make_shared<testing::CaptureSink>(), core::LogLevel::info};
  std::vector<Migration> migrations_;
  int base_ = 0;
};

TEST_F(ServeRegistryTest, AProcessRegistersBeatsAndLeaves) {
  const std::string id = Register("1.2.3", base_);
  ASSERT_FALSE(id.empty());
  auto live = Live();
  ASSERT_EQ(live.size(), 1U);
  EXPECT_EQ(live[0].host, "host-a");
  EXPECT_EQ(live[0].pid, 4242);
  EXPECT_EQ(live[0].version, "1.2.3");
  EXPECT_EQ(live[0].known_migration, base_);
  EXPECT_FALSE(live[0].started_at.empty());
  EXPECT_LT(live[0].seconds_since_heartbeat, 45);
  EXPECT_TRUE(HeartbeatServe(pool(), id));
  UnregisterServe(pool(), id);
  EXPECT_TRUE(Live().empty());
  EXPECT_FALSE(HeartbeatServe(pool(), id)) << "a row that is gone says so: the process registers again";
}

TEST_F(ServeRegistryTest, TheRuntimeRoleReachesTheTableOnlyThroughTheFunctions) {
  Register("1.2.3", base_);
  auto app = Connection::Open(RuntimeSettings());
  for (const char* sql :
       {"SELECT count(*) FROM serve_processes", "UPDATE serve_processes SET version = 'x'",
        "DELETE FROM serve_processes",
        "INSERT INTO serve_processes (host, pid, version, known_migration) VALUES ('h', 1, 'v', 1)"}) {
    try {
      app->Exec(sql);
      ADD_FAILURE() << "the runtime role ran: " << sql;
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbErrorKind::permission_denied) << sql << ": " << e.what();
    }
  }
  // Another process's row is out of reach without its random id.
  EXPECT_FALSE(HeartbeatServe(pool(), "00000000-0000-0000-0000-000000000000"));
  UnregisterServe(pool(), "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(Live().size(), 1U);
}

TEST_F(ServeRegistryTest, AProcessSilentForThreeHeartbeatsIsIgnoredThenPruned) {
  const std::string gone = Register("1.0.0", base_, 1001);
  const std::string alive = Register("1.0.0", base_, 1002);
  Silence(1001, 30);
  EXPECT_EQ(Live().size(), 2U) << "two missed beats are not enough";
  Silence(1001, 46);
  auto live = Live();
  ASSERT_EQ(live.size(), 1U);
  EXPECT_EQ(live[0].pid, 1002);
  ASSERT_TRUE(HeartbeatServe(pool(), alive));
  auto admin = Connection::Open(AdminSettings());
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM serve_processes")[0].Int(0), 1) << "the stale row was not pruned";
  EXPECT_FALSE(HeartbeatServe(pool(), gone));
}

// A process that a migrate already counts as gone cannot slip back in by beating: it registers
// again, through the migration lock.
TEST_F(ServeRegistryTest, AStaleProcessBeatsInVainAndMustRegisterAgain) {
  const std::string stalled = Register("1.0.0", base_, 1001);
  Silence(1001, 46);
  EXPECT_FALSE(HeartbeatServe(pool(), stalled));
  EXPECT_TRUE(Live().empty()) << "a stale row came back to life";
}

TEST_F(ServeRegistryTest, NoProcessRegistersWhileAMigrationRuns) {
  auto migrating = Connection::Open(testing::TestAdminSettings());
  migrating->Exec("SELECT pg_advisory_lock(8386663949246362209)");  // what Migrator::Run holds
  EXPECT_EQ(RegisterServe(pool(), ServeIdentity{"host-a", 1, "1.0.0", base_}), std::nullopt);
  EXPECT_TRUE(Live().empty());
  migrating->Exec("SELECT pg_advisory_unlock(8386663949246362209)");
  EXPECT_FALSE(Register("1.0.0", base_).empty());
}

TEST_F(ServeRegistryTest, AContractingMigrationIsRefusedWhileAnOlderServeRunsAndNothingIsApplied) {
  const auto migrations = WithPending({false, true});  // base+1 expands, base+2 contracts
  const std::string old_id = Register("0.9.0", base_, 2001);
  Register("1.0.0", base_ + 2, 2002);  // already the new version: does not hold anything back
  auto ran = Migrate(migrations);
  ASSERT_FALSE(ran.ok());
  const std::string& message = ran.error().message;
  EXPECT_NE(message.find("nothing was applied"), std::string::npos) << message;
  EXPECT_NE(message.find(migrations.back().file_name), std::string::npos) << message;
  EXPECT_NE(message.find("host host-a pid 2001 version 0.9.0"), std::string::npos) << message;
  EXPECT_EQ(message.find("2002"), std::string::npos) << message;
  EXPECT_NE(message.find("--expand-only"), std::string::npos) << message;
  EXPECT_EQ(Applied(), base_);
  auto admin = Connection::Open(AdminSettings());
  EXPECT_TRUE(admin->Exec("SELECT to_regclass('pending_" + std::to_string(base_ + 1) + "') IS NULL")[0].Bool(0));

  // Once it has stopped, the same run goes through.
  UnregisterServe(pool(), old_id);
  ran = Migrate(migrations);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 2);
  EXPECT_EQ(Applied(), base_ + 2);
  EXPECT_TRUE(admin
                  ->Exec("SELECT contracting FROM schema_migrations WHERE version = $1",
                         std::array<Param, 1>{Param(base_ + 2)})[0]
                  .Bool(0));
}

TEST_F(ServeRegistryTest, AnOlderServeThatStoppedBeatingHoldsNothingBack) {
  Register("0.9.0", base_, 3001);
  Silence(3001, 46);  // killed with -9: it never unregistered
  auto ran = Migrate(WithPending({true}));
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(Applied(), base_ + 1);
}

TEST_F(ServeRegistryTest, ExpandingMigrationsApplyWhateverRuns) {
  Register("0.1.0", 1, 4001);  // very old
  auto ran = Migrate(WithPending({false, false}));
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 2);
  EXPECT_EQ(Applied(), base_ + 2);
}

TEST_F(ServeRegistryTest, ExpandOnlyStopsBeforeTheFirstContractingMigration) {
  const auto migrations = WithPending({false, true, false});
  const std::string old_id = Register("0.9.0", base_, 5001);
  EXPECT_FALSE(Migrate(migrations).ok());
  EXPECT_EQ(Applied(), base_);

  auto ran = Migrate(migrations, MigrateScope::expand_only);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 1);
  EXPECT_EQ(Applied(), base_ + 1);

  UnregisterServe(pool(), old_id);
  ran = Migrate(migrations);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(*ran, 2);
  EXPECT_EQ(Applied(), base_ + 3);
}

TEST_F(ServeRegistryTest, AnAppliedContractingMigrationIsFoundByExecutablesOlderThanIt) {
  auto conn = Connection::Open(RuntimeSettings());
  EXPECT_EQ(AppliedContractingAfter(*conn, base_), std::nullopt);
  const auto migrations = WithPending({false, true});
  ASSERT_TRUE(Migrate(migrations).ok());
  EXPECT_EQ(AppliedContractingAfter(*conn, base_), migrations.back().file_name);
  EXPECT_EQ(AppliedContractingAfter(*conn, base_ + 1), migrations.back().file_name);
  EXPECT_EQ(AppliedContractingAfter(*conn, base_ + 2), std::nullopt);
}

}  // namespace
}  // namespace tcj::db
