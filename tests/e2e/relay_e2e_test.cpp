// The relay end to end: the service in strict SSRF mode, so that it could not reach the fake
// TeamCity on loopback itself, and `teamcity-jira relay` between them, as next to a TeamCity behind
// a firewall.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <csignal>
#include <fstream>

#include "core/text.hpp"
#include "db/connection.hpp"
#include "relay_support.hpp"
#include "support/raw_http.hpp"
#include "sync_fixture.hpp"

namespace tcj {
namespace {

using nlohmann::json;

// Whether needle is anywhere in the readable memory of process pid (root reads any process), read
// a megabyte at a time. Regions of a gigabyte or more are the sanitizers' reserved shadow, not data.
bool MemoryContains(pid_t pid, const std::string& needle) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  if (mem < 0) {
    ADD_FAILURE() << "cannot read the memory of " << pid;
    return false;
  }
  constexpr std::size_t kChunk = 1 << 20;
  bool found = false;
  std::string line;
  std::string buffer(kChunk + needle.size(), '\0');
  while (!found && std::getline(maps, line)) {
    unsigned long long begin = 0;
    unsigned long long end = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %4s", &begin, &end, perms) != 3 || perms[0] != 'r') continue;
    if (end - begin >= (1ULL << 30) || line.find("[vvar]") != std::string::npos) continue;
    for (unsigned long long at = begin; !found && at < end; at += kChunk) {
      // needle.size() bytes of overlap, so that a needle across two chunks is found.
      const std::size_t want = static_cast<std::size_t>(std::min<unsigned long long>(end - at, kChunk + needle.size()));
      const ssize_t n = ::pread(mem, buffer.data(), want, static_cast<off_t>(at));
      if (n <= 0) break;
      found = std::string_view(buffer.data(), static_cast<std::size_t>(n)).find(needle) != std::string_view::npos;
    }
  }
  ::close(mem);
  return found;
}

std::string ReadText(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class RelayE2E : public e2e::SyncFixture {
 protected:
  void TearDown() override {
    relay_.Stop();
    proxy_.reset();
    SyncFixture::TearDown();
  }

  // Strict: TeamCity servers on private or loopback addresses are refused, the fake's included.
  void StartStrictService() {
    port_ = e2e::FreePort();
    Migrate();
    Serve(SyncEnv(/*poll_seconds=*/2, /*private_networks=*/false));
    InstallApp();
  }

  std::string AddRelayServer(const std::string& name) {
    json created;
    const json body = {{"name", name}, {"url", teamcity_->base() + "/tc/" + name}, {"auth", {{"type", "relay"}}}};
    EXPECT_EQ(Api("POST", "/api/v1/servers", body.dump(), &created), 201) << created.dump();
    return created.value("id", "");
  }

  std::string IssueToken(const std::string& server) {
    json issued;
    EXPECT_EQ(Api("POST", "/api/v1/servers/" + server + "/relay/token", "", &issued), 201) << issued.dump();
    return issued.value("token", "");
  }

  json RelayState(const std::string& server) {
    json state;
    Api("GET", "/api/v1/servers/" + server + "/relay", "", &state);
    return state;
  }

  void ConfigureRelay(const std::string& name, const std::string& token, std::uint16_t service_port,
                      const std::string& proxy = "") {
    relay_.Configure(dir_, teamcity_->base() + "/tc/" + name, "tok-" + name, token, service_port, proxy);
  }

  // Rows of any table of the service's schema whose text holds needle.
  std::int64_t RowsHolding(const std::string& needle) {
    auto admin = EmbeddedAdmin();
    std::int64_t rows = 0;
    for (const auto& t : admin->Exec("SELECT tablename FROM pg_tables WHERE schemaname = 'app'")) {
      const std::string table = t.String(0);
      const std::array<db::Param, 1> like{needle};
      rows +=
          admin->Exec("SELECT count(*) FROM app." + table + " x WHERE x::text LIKE '%' || $1 || '%'", like)[0].Int(0);
    }
    return rows;
  }

  std::unique_ptr<testing::NodeFake> proxy_;
  e2e::RelayUnderTest relay_;
};

TEST_F(RelayE2E, BackfillAndPollingThroughARelayBehindAProxyDeliverTheWholeHistory) {
  ASSERT_NO_FATAL_FAILURE(StartStrictService());
  CreateTeamCity("inside", 1500);

  // The service itself cannot reach this TeamCity: a direct connection is refused. (Not with the
  // relay's credential: that one must never reach the service, checked below.)
  json refused;
  const json direct = {{"name", "direct"},
                       {"url", teamcity_->base() + "/tc/inside"},
                       {"auth", {{"type", "token"}, {"token", "another-token"}}}};
  EXPECT_EQ(Api("POST", "/api/v1/servers", direct.dump(), &refused), 400) << refused.dump();

  const std::string id = AddRelayServer("inside");
  ASSERT_FALSE(id.empty());
  json state = RelayState(id);
  EXPECT_EQ(state["connected"], false) << state.dump();
  EXPECT_TRUE(state["token"].is_null()) << state.dump();

  proxy_ = std::make_unique<testing::NodeFake>("proxy", dir_);
  ConfigureRelay("inside", IssueToken(id), port_, proxy_->base());
  ASSERT_NO_FATAL_FAILURE(relay_.Start());

  ASSERT_TRUE(e2e::EventuallyEvery([&] { return Synced(id); }, std::chrono::seconds(240), std::chrono::seconds(1)))
      << Status(id).dump();
  ExpectJiraMatchesHistory("inside", id);

  // Polling: a build that finishes now reaches Jira through the relay as well.
  const std::int64_t build = AddBuild("inside", 42);
  ASSERT_GT(build, 0);
  ASSERT_TRUE(e2e::EventuallyEvery(
      [&] {
        for (const auto& [key, stored] : StoredRecords()) {
          if (key.ends_with("#" + std::to_string(build))) return stored.keys.contains("ABC-42");
        }
        return false;
      },
      std::chrono::seconds(60), std::chrono::seconds(1)))
      << Status(id).dump() << relay_.process().Output();
  ExpectJiraMatchesHistory("inside", id);

  // Test connection goes through the relay too.
  json probe;
  EXPECT_EQ(Api("POST", "/api/v1/servers/" + id + "/test", "", &probe), 200);
  EXPECT_EQ(probe["ok"], true) << probe.dump();

  state = RelayState(id);
  EXPECT_EQ(state["connected"], true) << state.dump();
  EXPECT_TRUE(state["version"].is_string()) << state.dump();
  EXPECT_GT(state["requests"].get<int>(), 0) << state.dump();
  EXPECT_EQ(state["refusals"], 0) << state.dump();
  EXPECT_TRUE(state["token"].is_object()) << state.dump();

  // Every poll went through the proxy.
  const json proxied = proxy_->Get("/_control/stats");
  EXPECT_GT(proxied["forwarded"].get<int>() + proxied["tunnels"].get<int>(), 0) << proxied.dump();

  // TeamCity's credential never reached the service: not in its database, its log or its memory,
  // where the server's own URL is (the search would find it).
  EXPECT_EQ(RowsHolding("tok-inside"), 0);
  EXPECT_GT(RowsHolding("/tc/inside"), 0);
  EXPECT_EQ(ReadText(dir_ / "serve.log").find("tok-inside"), std::string::npos);
  EXPECT_TRUE(MemoryContains(serve_->pid(), "/tc/inside"));
  EXPECT_FALSE(MemoryContains(serve_->pid(), "tok-inside"));
  // The relay's log does not carry it either (it is sent to TeamCity, never logged).
  EXPECT_EQ(ReadText(relay_.log()).find("tok-inside"), std::string::npos);

  // SIGTERM: the relay says goodbye and ends; the service shows it disconnected at once.
  relay_.process().Signal(SIGTERM);
  EXPECT_EQ(relay_.process().WaitForExit(std::chrono::seconds(15)), 0) << relay_.process().Output();
  EXPECT_NE(relay_.process().Output().find("relay.stopped"), std::string::npos);
  EXPECT_TRUE(e2e::Eventually([&] { return RelayState(id)["connected"] == false; }, std::chrono::seconds(20)));
  json after;
  EXPECT_EQ(Api("POST", "/api/v1/servers/" + id + "/test", "", &after), 200);
  EXPECT_EQ(after["ok"], false) << after.dump();
  EXPECT_EQ(after["problem"]["code"], "relay.not_connected") << after.dump();
}

TEST_F(RelayE2E, KillingTheRelayMidBackfillLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartStrictService());
  CreateTeamCity("inside", 6000);
  // Slow pages, so that the kill lands in the middle of the walk.
  teamcity_->Post("/_control/faults", {{"path", "/tc/inside/app/rest/builds"},
                                       {"queryContains", "count%3A1000&fields"},
                                       {"delayMs", 1500},
                                       {"times", -1}});
  const std::string id = AddRelayServer("inside");
  ConfigureRelay("inside", IssueToken(id), port_);
  ASSERT_NO_FATAL_FAILURE(relay_.Start());
  ASSERT_TRUE(
      e2e::EventuallyEvery([&] { return BackfillSeen(id, 2000); }, std::chrono::seconds(120), std::chrono::seconds(1)));
  relay_.process().Signal(SIGKILL);
  relay_.process().WaitForExit(std::chrono::seconds(10));
  teamcity_->Delete("/_control/faults");
  ASSERT_NO_FATAL_FAILURE(relay_.Start("relay-2.log"));

  ASSERT_TRUE(e2e::EventuallyEvery([&] { return Synced(id); }, std::chrono::seconds(240), std::chrono::seconds(1)))
      << Status(id).dump();
  ExpectJiraMatchesHistory("inside", id);
}

TEST_F(RelayE2E, TheRelayRefusesWhatItsAllowlistDoesNotListAndARevokedTokenDisconnectsIt) {
  ASSERT_NO_FATAL_FAILURE(StartStrictService());
  CreateTeamCity("inside", 300);
  // TeamCity (or a compromised service) points the walk at an endpoint the sync never needs.
  teamcity_->Post("/_control/faults",
                  {{"path", "/tc/inside/app/rest/builds"},
                   {"queryContains", "count%3A1000&fields"},
                   {"status", 200},
                   {"body", {{"count", 0}, {"nextHref", "/app/rest/agents?locator=name:x"}, {"build", json::array()}}},
                   {"times", 1}});
  const std::string id = AddRelayServer("inside");
  ConfigureRelay("inside", IssueToken(id), port_);
  ASSERT_NO_FATAL_FAILURE(relay_.Start());

  // Refused by the relay, in its log and in the service's, and on the server's relay state.
  ASSERT_TRUE(relay_.process().WaitForOutput("relay.refused", std::chrono::seconds(60))) << relay_.process().Output();
  EXPECT_NE(relay_.process().Output().find("/app/rest/agents"), std::string::npos);
  EXPECT_TRUE(e2e::Eventually([&] { return ReadText(dir_ / "serve.log").find("relay.refused") != std::string::npos; },
                              std::chrono::seconds(10)));
  EXPECT_TRUE(e2e::EventuallyEvery([&] { return RelayState(id)["refusals"].get<int>() > 0; }, std::chrono::seconds(20),
                                   std::chrono::seconds(1)))
      << RelayState(id).dump();
  EXPECT_TRUE(e2e::EventuallyEvery(
      [&] {
        json s = Status(id);  // not const: a missing field reads as null
        return s["backfill"]["last_error"].is_string() &&
               s["backfill"]["last_error"].get<std::string>().find("the relay refused") != std::string::npos;
      },
      std::chrono::seconds(30), std::chrono::seconds(1)))
      << Status(id).dump();

  // Revoked: the connected relay is turned away within seconds.
  EXPECT_EQ(Api("DELETE", "/api/v1/servers/" + id + "/relay/token"), 204);
  ASSERT_TRUE(relay_.process().WaitForOutput("relay.token_refused", std::chrono::seconds(15)))
      << relay_.process().Output();
  EXPECT_TRUE(e2e::Eventually([&] { return RelayState(id)["connected"] == false; }, std::chrono::seconds(20)))
      << RelayState(id).dump();
  EXPECT_EQ(Api("DELETE", "/api/v1/servers/" + id + "/relay/token"), 404);

  // A forged token, and the revoked one, are 401 at the door.
  for (const std::string& token : {std::string("tcjr_forged"), ReadText(relay_.token_file())}) {
    auto r = testing::HttpRequest(
        port_, "POST", "/relay/v1/exchange", "",
        "Authorization: Bearer " + std::string(core::TrimAsciiSpace(token)) + "\r\nX-Relay-Instance: test\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
  }

  // Rotated: the relay reads the new token from its file and comes back without a restart.
  relay_.WriteToken(IssueToken(id));
  EXPECT_TRUE(e2e::EventuallyEvery([&] { return RelayState(id)["connected"] == true; }, std::chrono::seconds(90),
                                   std::chrono::seconds(1)))
      << RelayState(id).dump() << relay_.process().Output();
}

// The service's side of a broken or hostile relay: garbage, malformed, oversized and truncated
// answers fail the sync with a reason an admin can read, and store nothing.
TEST_F(RelayE2E, ARelaysBrokenAnswersFailTheSyncWithAClearReasonAndStoreNothing) {
  ASSERT_NO_FATAL_FAILURE(StartStrictService());
  CreateTeamCity("inside", 300);
  const std::string id = AddRelayServer("inside");
  const std::string token = IssueToken(id);
  const std::string auth = "Authorization: Bearer " + token + "\r\nX-Relay-Instance: rogue\r\n";
  auto poll = [&](const std::string& headers, const std::string& body) {
    testing::RawConnection c(port_);
    c.Send("POST /relay/v1/exchange HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return c.ReadResponse(std::chrono::seconds(40));
  };

  // Every request is answered with something that is not TeamCity's JSON.
  std::string answer_headers;
  const auto reason = [&] {
    json s = Status(id);  // not const: a missing field reads as null
    for (const json& e : {s["backfill"]["last_error"], s["last_error"]["message"]}) {
      if (e.is_string() && (e.get<std::string>().find("could not be read") != std::string::npos ||
                            e.get<std::string>().find("is not a number") != std::string::npos)) {
        return true;
      }
    }
    return false;
  };
  for (int i = 0; i < 30 && !reason(); ++i) {
    const auto r = poll(answer_headers, answer_headers.empty() ? "" : "{\"build\": [ garbage");
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->status == 200 || r->status == 204) << r->status << " " << r->body;
    answer_headers.clear();
    if (r->status == 200) {
      const json request = json::parse(r->body);
      answer_headers = "X-Relay-Answer: " + std::to_string(request["id"].get<std::uint64_t>()) +
                       "\r\nX-Relay-Status: 200\r\nX-Relay-Content-Type: application/json\r\n";
    }
  }
  EXPECT_TRUE(reason()) << Status(id).dump();
  EXPECT_EQ(Status(id)["builds"]["total"], 0);

  // Malformed answers are refused with what is wrong.
  for (const std::string& bad : {std::string("X-Relay-Answer: twelve\r\n"), std::string("X-Relay-Answer: 12\r\n"),
                                 std::string("X-Relay-Answer: 12\r\nX-Relay-Status: 999\r\n")}) {
    const auto r = poll(bad, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << r->body;
    EXPECT_NE(r->body.find("X-Relay-"), std::string::npos) << r->body;
  }
  const auto no_instance =
      testing::HttpRequest(port_, "POST", "/relay/v1/exchange", "", "Authorization: Bearer " + token + "\r\n");
  ASSERT_TRUE(no_instance);
  EXPECT_EQ(no_instance->status, 400);

  // Larger than any TeamCity answer the service takes: refused before it is read.
  {
    testing::RawConnection c(port_);
    c.Send("POST /relay/v1/exchange HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
           "X-Relay-Answer: 1\r\nX-Relay-Status: 200\r\nContent-Length: 100000000\r\n\r\n");
    const auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  // Cut off in the middle of its body: the connection is dropped, and the service goes on.
  {
    testing::RawConnection c(port_);
    c.Send("POST /relay/v1/exchange HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
           "X-Relay-Answer: 1\r\nX-Relay-Status: 200\r\nContent-Length: 1000\r\n\r\n{\"count\":");
  }
  EXPECT_EQ(e2e::StatusOf(port_, "/readyz"), 200);
  EXPECT_EQ(Status(id)["builds"]["total"], 0);
  EXPECT_EQ(jira_->Get("/_control/sites/acme/builds")["count"], 0);
}

}  // namespace
}  // namespace tcj
