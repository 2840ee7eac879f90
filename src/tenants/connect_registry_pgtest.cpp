// Connect installations racing other work: a reinstall that meets the retention purge, and cached
// secrets across a reinstall.
#include "tenants/connect_registry.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "db/connection.hpp"
#include "db/transaction.hpp"
#include "support/capture_sink.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"

namespace tcj::tenants {
namespace {

using namespace std::chrono_literals;

class ConnectRegistryTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
  }

  InstallOutcome Install(const std::string& secret) {
    return registry_.Install({"client-a", core::Secret(secret), "https://a.atlassian.net", "", ""});
  }

  core::ManualClock clock_;
  ConnectRegistry registry_{pool(), box_, clock_};
};

// The daily purge deletes the uninstalled site while its reinstall is under way (the reinstall
// found the row, then waited for the purge's lock). The reinstall must not answer "done" having
// stored nothing: it installs the site anew.
TEST_F(ConnectRegistryTest, AReinstallRacingThePurgeStoresTheSite) {
  const core::TenantId old_id = Install("first-secret").tenant;
  ASSERT_TRUE(registry_.Uninstall("client-a"));

  auto purger = db::Connection::Open(AdminSettings());
  purger->ExecScript("BEGIN");
  const db::Param id(old_id.str());
  purger->Exec("DELETE FROM tenants WHERE tenant_id = $1", std::span(&id, 1));  // holds the row's lock

  std::optional<InstallOutcome> outcome;
  std::thread installing([&] { outcome = Install("second-secret"); });
  // The reinstall has found the row and waits for the purge's lock on it.
  auto watcher = db::Connection::Open(AdminSettings());
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    waiting = watcher->Exec("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE 'UPDATE tenants SET connect_shared_secret%'")[0]
                  .Int(0) > 0;
    if (!waiting) std::this_thread::sleep_for(20ms);
  }
  purger->ExecScript("COMMIT");
  installing.join();
  ASSERT_TRUE(waiting) << "the reinstall never reached the purged row";

  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->created) << "the row was gone: a new installation";
  EXPECT_NE(outcome->tenant, old_id);
  const auto found = registry_.Find("client-a");
  ASSERT_NE(found, nullptr) << "answered as installed, but nothing is stored";
  EXPECT_EQ(found->id, outcome->tenant);
  EXPECT_EQ(found->state, "active");
  auto secret = registry_.SharedSecret(*found);
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ((*secret)->reveal(), "second-secret");
}

// A reinstall keeps the tenant id and brings a new secret. A request that looked the site up
// before the reinstall still holds the old record; opening its secret must not put the old secret
// into the cache entry of the new record.
TEST_F(ConnectRegistryTest, AnOldRecordsSecretNeverLandsInTheNewRecordsCacheEntry) {
  Install("first-secret");
  const auto before = registry_.Find("client-a");
  ASSERT_NE(before, nullptr);
  Install("second-secret");  // a reinstall: same tenant, new secret
  const auto after = registry_.Find("client-a");
  ASSERT_NE(after, nullptr);
  ASSERT_EQ(after->id, before->id);

  auto old_secret = registry_.SharedSecret(*before);  // the request in flight finishes
  ASSERT_TRUE(old_secret.ok());
  EXPECT_EQ((*old_secret)->reveal(), "first-secret");
  auto new_secret = registry_.SharedSecret(*after);
  ASSERT_TRUE(new_secret.ok());
  EXPECT_EQ((*new_secret)->reveal(), "second-secret") << "the old secret was cached for the new record";
}

TEST_F(ConnectRegistryTest, AnUninstallIsSeenAtOnceByThisProcess) {
  Install("first-secret");
  ASSERT_EQ(registry_.Find("client-a")->state, "active");
  ASSERT_TRUE(registry_.Uninstall("client-a"));
  EXPECT_EQ(registry_.Find("client-a")->state, "uninstalled");
}

}  // namespace
}  // namespace tcj::tenants
