#include "sync/unreadable_builds.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/transaction.hpp"
#include "support/store_test.hpp"
#include "sync/events.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

class TellUnreadableTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    tenant_ = tenants_.Create(tenants::TenantKind::oauth, "https://a.atlassian.net", "Acme").id;
    server_ = servers_.Create(tenant_, "main", "https://tc.example.com", {})->id;
  }

  UnreadableBuilds Tell(const UnreadableBuilds& unreadable) {
    db::TenantTransaction tx(pool(), tenant_);
    UnreadableBuilds told = TellUnreadable(tx, server_, unreadable);
    tx.Commit();
    return told;
  }

  std::vector<json> Events() {
    const json events = json::parse(*RecentEventsJson(pool(), tenant_, server_, 200))["events"];
    return {events.begin(), events.end()};
  }

  core::TenantId tenant_;
  core::ServerId server_;
};

TEST_F(TellUnreadableTest, EachBuildAndReasonIsToldOnceAsAWarningOfItsServer) {
  const UnreadableBuilds first = {{4567, "number", "number is not a string"}, {std::nullopt, "id", "id is missing"}};
  EXPECT_EQ(Tell(first).size(), 2u);
  // The next polls skip the same builds again: nothing new to tell.
  EXPECT_TRUE(Tell(first).empty());
  // The same build with another problem is news.
  const UnreadableBuilds second = {{4567, "number", "number is not a string"},
                                   {4567, "state", "state is not a string"}};
  const UnreadableBuilds told = Tell(second);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].field, "state");

  const auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  for (const json& e : events) {
    EXPECT_EQ(e["kind"], "build_unreadable");
    EXPECT_EQ(e["level"], "warning");
  }
  // Newest first.
  EXPECT_EQ(events[0]["message"].get<std::string>().find("Build 4567 was left out"), 0u) << events[0];
  EXPECT_NE(events[0]["message"].get<std::string>().find("(state is not a string)"), std::string::npos);
  EXPECT_EQ(events[1]["message"].get<std::string>().find("A build was left out"), 0u) << events[1];
  EXPECT_NE(events[2]["message"].get<std::string>().find("(number is not a string)"), std::string::npos);
}

TEST_F(TellUnreadableTest, ManyAtOnceAreToldUpToTheCapAndCountedBeyondIt) {
  UnreadableBuilds many;
  for (std::int64_t id = 1; id <= 50; ++id) many.push_back({id, "number", "number is not a string"});
  EXPECT_EQ(Tell(many).size(), kMaxToldPerRead);
  auto events = Events();
  ASSERT_EQ(events.size(), kMaxToldPerRead + 1);
  EXPECT_EQ(events[0]["message"].get<std::string>().find("30 more builds were left out"), 0u) << events[0];

  // The next read tells the next ones, and the same summary is not repeated.
  EXPECT_EQ(Tell(many).size(), kMaxToldPerRead);
  events = Events();
  EXPECT_EQ(events.size(), 2 * kMaxToldPerRead + 2);  // "10 more" is a new summary
  EXPECT_EQ(Tell(many).size(), 50 - 2 * kMaxToldPerRead);
  EXPECT_TRUE(Tell(many).empty());
}

TEST_F(TellUnreadableTest, NothingUnreadableWritesNothing) {
  EXPECT_TRUE(Tell({}).empty());
  EXPECT_TRUE(Events().empty());
}

}  // namespace
}  // namespace tcj::sync
