// Fail small on bad data: one build that TeamCity answers with a field of the wrong type costs that
// build, not its page and not its server. The others reach Jira, the admin reads which build was
// left out and why, and once TeamCity answers it readably the next re-read brings it in.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sync_fixture.hpp"

namespace tcj {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using e2e::Eventually;
using e2e::EventuallyEvery;

class BadDataE2E : public e2e::SyncFixture {
 protected:
  void Corrupt(const std::string& name, std::int64_t build, const std::string& field, const json& value) {
    int code = 0;
    const json answer = teamcity_->Post("/_control/servers/" + name + "/corrupt",
                                        {{"buildId", build}, {"field", field}, {"value", value}}, &code);
    ASSERT_EQ(code, 201) << answer.dump();
  }

  // The Jira key ("<pipeline>#<build id>") the history gives the build.
  static std::string KeyOf(const std::map<std::string, e2e::Expected>& expected, std::int64_t build) {
    for (const auto& [key, e] : expected) {
      if (key.ends_with("#" + std::to_string(build))) return key;
    }
    return "";
  }

  // The server's events that tell of unreadable builds.
  std::vector<std::string> UnreadableEvents(const std::string& server) {
    json events;
    Api("GET", "/api/v1/servers/" + server + "/events?limit=200", "", &events);
    std::vector<std::string> messages;
    if (!events.is_object() || !events["events"].is_array()) return messages;
    for (const auto& e : events["events"]) {
      if (e["kind"] == "build_unreadable") messages.push_back(e["message"]);
    }
    return messages;
  }

  double UnreadableCount(const std::string& server) {
    const auto metrics = testing::HttpGet(internal_port_, "/metrics");
    std::smatch m;
    const std::regex line("\nsync_builds_unreadable_total\\{server=\"" + server + "\"\\} ([0-9.e+]+)\n");
    if (!metrics || !std::regex_search(metrics->body, m, line)) return 0;
    return std::stod(m[1]);
  }
};

TEST_F(BadDataE2E, OneUnreadableBuildIsLeftOutWithItsReasonAndArrivesOnceTeamCityAnswersItReadably) {
  StartService(/*poll_seconds=*/2);
  CreateTeamCity("alpha", 60);
  // Builds that finish now, within the poll's re-read window, each with its own issue key.
  std::vector<std::int64_t> added;
  for (int key = 101; key <= 104; ++key) added.push_back(AddBuild("alpha", key));
  const std::int64_t bad = added[1];   // its number comes as a JSON number
  const std::int64_t bare = added[2];  // its buildTypeId comes without the nested buildType
  Corrupt("alpha", bad, "number", 578);
  Corrupt("alpha", bare, "buildType", nullptr);

  const std::string server = AddServer("alpha");
  ASSERT_FALSE(server.empty());
  const auto expected = ExpectedRecords("alpha", server);
  const std::string bad_key = KeyOf(expected, bad);
  const std::string bare_key = KeyOf(expected, bare);
  ASSERT_FALSE(bad_key.empty());
  ASSERT_FALSE(bare_key.empty());

  // The backfill's page and every poll hold the bad build: all the others reach Jira, the build
  // without a nested buildType under its configuration's own pipeline (its internal id, as the
  // history expects).
  ASSERT_TRUE(EventuallyEvery(
      [&] {
        if (!Synced(server)) return false;
        const auto stored = StoredRecords();
        for (const auto& [key, e] : expected) {
          if (key != bad_key && !stored.contains(key)) return false;
        }
        return true;
      },
      180s, 1s))
      << Status(server).dump(2);
  const auto stored = StoredRecords();
  EXPECT_FALSE(stored.contains(bad_key));
  ASSERT_TRUE(stored.contains(bare_key));
  EXPECT_EQ(stored.at(bare_key).keys, expected.at(bare_key).keys);
  EXPECT_EQ(Status(server)["state"], "syncing") << "one bad build does not fail its server";

  // The admin reads which build was left out and why, through the API.
  std::vector<std::string> told;
  ASSERT_TRUE(EventuallyEvery([&] { return !(told = UnreadableEvents(server)).empty(); }, 60s, 1s));
  ASSERT_EQ(told.size(), 1u) << "one build, told once however often it is read";
  EXPECT_NE(told[0].find("Build " + std::to_string(bad) + " was left out"), std::string::npos) << told[0];
  EXPECT_NE(told[0].find("number is not a string"), std::string::npos) << told[0];
  EXPECT_EQ(told[0].find("578"), std::string::npos) << "the value itself is never shown: " << told[0];
  EXPECT_GE(UnreadableCount(server), 1);
  std::size_t log_lines = 0;
  std::istringstream log(serve_->Output());
  for (std::string line; std::getline(log, line);) {
    if (line.find("sync.build_unreadable") != std::string::npos &&
        line.find(std::to_string(bad)) != std::string::npos) {
      ++log_lines;
      EXPECT_NE(line.find("number"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(log_lines, 1u);

  // TeamCity answers it readably again: a re-read brings it in, and Jira holds the whole history.
  int code = 0;
  teamcity_->Delete("/_control/servers/alpha/corrupt", &code);
  ASSERT_EQ(code, 200);
  ASSERT_TRUE(EventuallyEvery([&] { return StoredRecords().contains(bad_key); }, 120s, 1s)) << Status(server).dump(2);
  ASSERT_TRUE(Eventually([&] { return Synced(server); }, 60s)) << Status(server).dump(2);
  ExpectJiraMatchesHistory("alpha", server);
}

}  // namespace
}  // namespace tcj
