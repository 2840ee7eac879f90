// The caches of `serve` (sites, servers, admin tokens) against a real PostgreSQL: served from
// memory while nothing changes, dropped when another process (here: a second set of stores on
// the same database) commits a change, and bypassed while the change feed is down.
#include "db/change_feed.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/store_test.hpp"
#include "tenants/admin_tokens.hpp"

namespace tcj::tenants {
namespace {

using namespace std::chrono_literals;

template <typename Fn>
bool Eventually(Fn&& done, std::chrono::milliseconds deadline = 10s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class ChangeFeedTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    site_ = tenants_.Create(TenantKind::oauth, "https://a.atlassian.net", "A").id;
    auto created = servers_.Create(site_, "main", "https://tc.example.com", TeamCityCredentials{});
    ASSERT_TRUE(created.ok());
    server_ = created->id;
    feed_ = std::make_unique<db::ChangeFeed>(pool(), log_, std::chrono::milliseconds(200));
    feed_->Subscribe(
        [this](const db::Change& c) {
          std::lock_guard lock(seen_mutex_);
          last_seen_ = c.tenant;
        },
        [] {});
    tenants_.FollowChanges(*feed_);
    servers_.FollowChanges(*feed_);
    tokens_.FollowChanges(*feed_);
    feed_->Start();
    ASSERT_TRUE(Eventually([&] { return feed_->live(); }));
    Settle();
  }
  void TearDown() override {
    feed_.reset();
    StoreTest::TearDown();
  }

  // A change no notice tells of (triggers off, as only a superuser can): what a cache still
  // answers afterwards came from memory.
  void ChangeSilently(const std::string& sql) {
    auto admin = db::Connection::Open(AdminSettings());
    admin->ExecScript("SET session_replication_role = replica; " + sql);
  }

  // Notices arrive in commit order: once a marker sent now is seen, every earlier change was
  // applied, so the caches hold nothing older than this point. A marker sent while the feed is
  // between connections is lost (the feed then reports a gap and caches start empty, which is
  // just as settled), so a new one goes out every second until one is seen.
  void Settle() {
    auto admin = db::Connection::Open(AdminSettings());
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      const std::string marker = "marker-" + std::to_string(++markers_);
      admin->ExecScript("NOTIFY tcj_changes, 'settle " + marker + "'");
      if (Eventually(
              [&] {
                std::lock_guard lock(seen_mutex_);
                return last_seen_ == marker;
              },
              1s)) {
        return;
      }
    }
    FAIL() << "no marker came back through the feed within 20 s";
  }

  std::string ServerName() { return servers_.List(site_).at(0).name; }

  core::TenantId site_;
  core::ServerId server_;
  AdminTokenStore tokens_{pool()};
  std::unique_ptr<db::ChangeFeed> feed_;
  std::mutex seen_mutex_;
  std::string last_seen_;
  int markers_ = 0;
  // The other process: its own stores on the same database.
  TenantStore other_tenants_{pool(), box_};
  ServerStore other_servers_{pool(), box_};
  AdminTokenStore other_tokens_{pool()};
};

TEST(ChangeFeed, ReadsOnlyItsOwnPayloads) {
  const auto change = db::ParseChange("teamcity_servers 0b7d2f9c-2a4e-4d7b-9a51-6f2b1f7c9e10");
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->table, "teamcity_servers");
  EXPECT_EQ(change->tenant, "0b7d2f9c-2a4e-4d7b-9a51-6f2b1f7c9e10");
  EXPECT_FALSE(db::ParseChange("").has_value());
  EXPECT_FALSE(db::ParseChange("tenants").has_value());
  EXPECT_FALSE(db::ParseChange("tenants ").has_value());
  EXPECT_FALSE(db::ParseChange(" x").has_value());
}

TEST_F(ChangeFeedTest, TheServerListIsServedFromMemoryUntilAnyProcessChangesIt) {
  EXPECT_EQ(ServerName(), "main");
  ChangeSilently("UPDATE teamcity_servers SET name = 'silent'");
  EXPECT_EQ(ServerName(), "main") << "answered from memory";
  EXPECT_EQ(servers_.Get(site_, server_)->name, "main");

  auto renamed = other_servers_.Update(site_, server_, ServerChange{.name = "renamed"});
  ASSERT_TRUE(renamed.ok());
  EXPECT_TRUE(Eventually([&] { return ServerName() == "renamed"; })) << ServerName();
  EXPECT_EQ(servers_.Get(site_, server_)->name, "renamed");

  // A server added by the other process appears; one removed goes.
  auto added = other_servers_.Create(site_, "second", "https://tc2.example.com", TeamCityCredentials{});
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(Eventually([&] { return servers_.List(site_).size() == 2; }));
  ASSERT_TRUE(other_servers_.Delete(site_, added->id));
  EXPECT_TRUE(Eventually([&] { return servers_.List(site_).size() == 1; }));
}

TEST_F(ChangeFeedTest, TheSiteRowFollowsAnUninstallThroughAnotherProcess) {
  EXPECT_EQ(tenants_.Get(site_)->state, "active");
  ChangeSilently("UPDATE tenants SET display_name = 'silent'");
  EXPECT_EQ(tenants_.Get(site_)->display_name, "A") << "answered from memory";
  ASSERT_TRUE(other_tenants_.MarkUninstalled(site_));
  EXPECT_TRUE(Eventually([&] { return tenants_.Get(site_)->state == "uninstalled"; }));
}

TEST_F(ChangeFeedTest, ARevokedAdminTokenIsRefusedByEveryProcess) {
  const core::Secret token = tokens_.Create(site_, "ci");
  Settle();
  const auto identity = tokens_.Authenticate(token.reveal());
  ASSERT_TRUE(identity.has_value());
  ChangeSilently("UPDATE admin_tokens SET revoked_at = now()");
  EXPECT_TRUE(tokens_.Authenticate(token.reveal()).has_value()) << "answered from memory";
  ChangeSilently("UPDATE admin_tokens SET revoked_at = NULL");

  // Revoked through this process: refused at once; through another: within moments.
  ASSERT_TRUE(other_tokens_.Revoke(site_, identity->token_id));
  EXPECT_TRUE(Eventually([&] { return !tokens_.Authenticate(token.reveal()).has_value(); }));
  const core::Secret second = tokens_.Create(site_, "ci-2");
  const auto second_identity = tokens_.Authenticate(second.reveal());
  ASSERT_TRUE(second_identity.has_value());
  ASSERT_TRUE(tokens_.Revoke(site_, second_identity->token_id));
  EXPECT_FALSE(tokens_.Authenticate(second.reveal()).has_value());
}

// Notices sent while nobody listens are lost: a cache does not answer from memory while the feed
// is down, and starts empty when it is back.
TEST_F(ChangeFeedTest, WhileTheFeedIsDownNothingIsAnsweredFromMemory) {
  EXPECT_EQ(ServerName(), "main");
  ChangeSilently("UPDATE teamcity_servers SET name = 'silent'");
  ASSERT_EQ(ServerName(), "main");
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'teamcity-jira change feed' AND pid <> pg_backend_pid()");
  EXPECT_TRUE(Eventually([&] { return ServerName() == "silent"; }));
  EXPECT_TRUE(Eventually([&] { return feed_->live(); })) << "the feed reconnects";
  ChangeSilently("UPDATE teamcity_servers SET name = 'silent again'");
  EXPECT_EQ(ServerName(), "silent again") << "the cache started empty after the gap";
}

// A connection that dies without a word (a firewall dropping it, a stopped server) never errors:
// the feed notices that its own pings stop coming back, and reconnects.
TEST_F(ChangeFeedTest, AFeedThatStopsHearingItsOwnPingsReconnects) {
  EXPECT_EQ(ServerName(), "main");
  const int stopped = feed_->backend_pid();
  ASSERT_GT(stopped, 0);
  ASSERT_EQ(::kill(stopped, SIGSTOP), 0);
  ChangeSilently("UPDATE teamcity_servers SET name = 'silent'");
  EXPECT_TRUE(Eventually([&] { return ServerName() == "silent"; })) << "not answered from memory any more";
  ::kill(stopped, SIGCONT);
  EXPECT_TRUE(Eventually([&] { return feed_->live() && feed_->backend_pid() != stopped; }));
  Settle();
  ChangeSilently("UPDATE teamcity_servers SET name = 'silent again'");
  EXPECT_EQ(ServerName(), "silent again") << "the cache started empty after the gap";
}

}  // namespace
}  // namespace tcj::tenants
