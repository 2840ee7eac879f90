// A serve process's presence in the registry (migrations/0023).
#include "app/serve_presence.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "app/database.hpp"
#include "core/version.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::app {
namespace {

class ServePresenceTest : public testing::PgTest {
 protected:
  std::vector<db::LiveServe> Live() {
    auto conn = db::Connection::Open(RuntimeSettings());
    return db::LiveServes(*conn, schema());
  }

  // Beats until registered: a migration of another test's schema defers registration.
  bool BeatUntilRegistered(ServePresence& presence) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      if (presence.Beat()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
};

TEST_F(ServePresenceTest, ThisProcessRegistersWithItsVersionAndLeaves) {
  const db::ServeIdentity me = ThisServe();
  EXPECT_EQ(me.version, core::Version());
  EXPECT_EQ(me.known_migration, static_cast<int>(KnownMigrations().size()));
  EXPECT_EQ(me.pid, static_cast<int>(getpid()));
  EXPECT_FALSE(me.host.empty());
  {
    ServePresence presence(pool(), me, log_);
    ASSERT_TRUE(BeatUntilRegistered(presence));
    auto live = Live();
    ASSERT_EQ(live.size(), 1U);
    EXPECT_EQ(live[0].host, me.host);
    EXPECT_EQ(live[0].pid, me.pid);
    EXPECT_EQ(live[0].version, me.version);
    EXPECT_EQ(live[0].known_migration, me.known_migration);
    EXPECT_TRUE(presence.Beat());
    EXPECT_EQ(Live().size(), 1U) << "a heartbeat is not a second registration";
    presence.Leave();
    EXPECT_TRUE(Live().empty());
    ASSERT_TRUE(BeatUntilRegistered(presence));
  }
  EXPECT_TRUE(Live().empty()) << "going out of scope leaves too";
}

TEST_F(ServePresenceTest, APrunedRowIsRegisteredAgainAtTheNextBeat) {
  ServePresence presence(pool(), ThisServe(), log_);
  ASSERT_TRUE(BeatUntilRegistered(presence));
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec("DELETE FROM serve_processes");
  ASSERT_TRUE(BeatUntilRegistered(presence));
  EXPECT_EQ(Live().size(), 1U);
  EXPECT_NE(sink_->all().find("serve.registry.row_gone"), std::string::npos) << sink_->all();
}

TEST_F(ServePresenceTest, AnUnreachableDatabaseIsSaidOnceAndNeverThrown) {
  db::Pool nowhere(db::ConnectionSettings::FromUrl("host=/nonexistent connect_timeout=1"), db::PoolOptions{.size = 1});
  ServePresence presence(nowhere, ThisServe(), log_);
  EXPECT_FALSE(presence.Beat());
  EXPECT_FALSE(presence.Beat());
  std::size_t said = 0;
  for (const auto& line : sink_->lines()) said += line.find("serve.registry.failed") != std::string::npos ? 1U : 0U;
  EXPECT_EQ(said, 1U) << sink_->all();
}

}  // namespace
}  // namespace tcj::app
