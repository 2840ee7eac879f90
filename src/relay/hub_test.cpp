#include "relay/hub.hpp"

#include <gtest/gtest.h>

#include <future>

#include "core/log.hpp"

namespace tcj::relay {
namespace {

using namespace std::chrono_literals;

// What the hub answered a relay's polls, in order, from whichever thread answered.
class Channels {
 public:
  Respond Next() {
    return [this](http::Response r) {
      std::lock_guard lock(mutex_);
      answers_.push_back(std::move(r));
      changed_.notify_all();
    };
  }
  // The n-th answer (from 0), waiting for it up to a generous bound.
  std::optional<http::Response> Answer(std::size_t n) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return answers_.size() > n; })) return std::nullopt;
    return answers_[n];
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return answers_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<http::Response> answers_;
};

class HubTest : public ::testing::Test {
 protected:
  HubTest() : hub_(Options(), core::Logger(core::MakeStderrSink(), core::LogLevel::error)) {}

  static HubOptions Options() {
    HubOptions o;
    o.poll_wait = 300ms;
    o.answer_timeout = 2s;
    o.max_channels = 2;
    o.gone_after = 60s;
    return o;
  }

  void Poll(const std::string& instance, std::optional<std::pair<std::uint64_t, Answer>> answer = std::nullopt) {
    hub_.Poll(tenant_, server_, "token-1", PollerInfo{instance, "1.0"}, std::move(answer), channels_.Next());
  }

  std::future<core::Result<Answer>> Ask(std::string path) {
    return std::async(std::launch::async,
                      [this, path = std::move(path)] { return hub_.Exchange(tenant_, server_, path); });
  }

  static Answer Ok(std::string body) {
    Answer a;
    a.status = 200;
    a.content_type = "application/json";
    a.body = std::move(body);
    return a;
  }

  core::TenantId tenant_{"00000000-0000-0000-0000-000000000001"};
  core::ServerId server_{"00000000-0000-0000-0000-0000000000aa"};
  Channels channels_;
  Hub hub_;
};

TEST_F(HubTest, ARelayThatNeverConnectedIsNotConnected) {
  const auto answer = hub_.Exchange(tenant_, server_, "/app/rest/server");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "relay.not_connected");
  EXPECT_TRUE(answer.error().retryable);
  EXPECT_FALSE(hub_.Holds(tenant_, server_));
}

TEST_F(HubTest, ARelayOfOneTenantNeverGetsAnotherTenantsRequests) {
  Poll("i1");
  const core::TenantId other("00000000-0000-0000-0000-000000000002");
  EXPECT_FALSE(hub_.Holds(other, server_));
  const auto answer = hub_.Exchange(other, server_, "/app/rest/server");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "relay.not_connected");
  EXPECT_EQ(channels_.Answer(0)->status, 204) << "the parked channel was handed nothing";
}

TEST_F(HubTest, AParkedChannelTakesTheRequestAndItsNextPollCarriesTheAnswer) {
  Poll("i1");
  EXPECT_TRUE(hub_.Holds(tenant_, server_));
  auto asked = Ask("/app/rest/server");
  const auto handed = channels_.Answer(0);
  ASSERT_TRUE(handed);
  EXPECT_EQ(handed->status, 200);
  const auto request = DecodeRequest(handed->body);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->path, "/app/rest/server");

  Poll("i1", std::make_pair(request->id, Ok(R"({"version":"2025.07"})")));
  const auto answer = asked.get();
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, R"({"version":"2025.07"})");
  EXPECT_EQ(hub_.Views().at(server_).requests, 1U);
}

TEST_F(HubTest, RequestsWaitForAChannelAndAnAnswerToNobodyIsIgnored) {
  Poll("i1");
  auto first = Ask("/app/rest/builds?locator=count:1");
  ASSERT_TRUE(channels_.Answer(0));  // the parked channel has the first
  auto second = Ask("/app/rest/projects");
  const auto first_request = DecodeRequest(channels_.Answer(0)->body);
  // An answer to an id nobody waits for changes nothing; the poll then takes the waiting request.
  Poll("i1", std::make_pair(std::uint64_t{999'999}, Ok("{}")));
  const auto handed = channels_.Answer(1);
  ASSERT_TRUE(handed);
  EXPECT_EQ(DecodeRequest(handed->body)->path, "/app/rest/projects");
  Poll("i1", std::make_pair(first_request->id, Ok("first")));
  Poll("i1", std::make_pair(DecodeRequest(handed->body)->id, Ok("second")));
  EXPECT_EQ(first.get()->body, "first");
  EXPECT_EQ(second.get()->body, "second");
}

TEST_F(HubTest, ARestartedRelayFailsWhatTheOldOneWasAskedAtOnce) {
  Poll("before");
  auto asked = Ask("/app/rest/server");
  ASSERT_TRUE(channels_.Answer(0));
  Poll("after");  // killed and started again: a new instance
  const auto answer = asked.get();
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "relay.restarted");
  EXPECT_TRUE(answer.error().retryable);
  EXPECT_TRUE(hub_.Holds(tenant_, server_));
}

TEST_F(HubTest, AnIdleChannelIsAnsweredEmptyAfterItsWait) {
  Poll("i1");
  const auto answer = channels_.Answer(0);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 204);
  EXPECT_TRUE(hub_.Holds(tenant_, server_));
}

TEST_F(HubTest, ChannelsBeyondTheCapAreRefused) {
  Poll("i1");
  Poll("i1");
  Poll("i1");
  const auto third = channels_.Answer(0);  // the first answer is the refused third poll
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
}

TEST_F(HubTest, ARevokedRelayIsTurnedAwayAndItsWaitersFail) {
  Poll("i1");
  auto asked = Ask("/app/rest/server");
  ASSERT_TRUE(channels_.Answer(0));
  Poll("i1");  // parked again, with the request in flight
  hub_.Disconnect(server_, "its relay token is no longer valid");
  const auto answer = asked.get();
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "relay.not_connected");
  EXPECT_EQ(channels_.Answer(1)->status, 401);
  EXPECT_FALSE(hub_.Holds(tenant_, server_));
  EXPECT_FALSE(hub_.Views().at(server_).connected);
  EXPECT_EQ(hub_.Exchange(tenant_, server_, "/app/rest/server").error().code, "relay.not_connected");
}

TEST_F(HubTest, OnlyTheConnectedInstanceCanSayGoodbye) {
  Poll("current");
  hub_.Goodbye(server_, "older");
  EXPECT_TRUE(hub_.Holds(tenant_, server_));
  hub_.Goodbye(server_, "current");
  EXPECT_FALSE(hub_.Holds(tenant_, server_));
  EXPECT_EQ(channels_.Answer(0)->status, 204);
  const auto changed = hub_.TakeChanged();
  EXPECT_EQ(changed.size(), 2U);  // connected, then gone
}

TEST_F(HubTest, AnUnansweredRequestTimesOut) {
  Poll("i1");
  const auto answer = hub_.Exchange(tenant_, server_, "/app/rest/server");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "relay.timeout");
  // The late answer finds nobody, and the relay stays connected.
  Poll("i1", std::make_pair(std::uint64_t{1}, Ok("late")));
  EXPECT_TRUE(hub_.Holds(tenant_, server_));
}

TEST_F(HubTest, StoppingAnswersEveryChannelAndRefusesNewWork) {
  Poll("i1");
  hub_.Stop();
  EXPECT_EQ(channels_.Answer(0)->status, 503);
  EXPECT_FALSE(hub_.Holds(tenant_, server_));
  Poll("i1");
  EXPECT_EQ(channels_.Answer(1)->status, 503);
}

TEST_F(HubTest, ARelayThatTakesRequestsAndNeverAnswersGetsNoMoreThanItsChannels) {
  std::vector<std::future<core::Result<Answer>>> asked;
  for (int i = 0; i < 3; ++i) {
    Poll("greedy");  // never carries an answer
    asked.push_back(Ask("/app/rest/builds/id:" + std::to_string(i + 1)));
    if (i < 2) {
      ASSERT_TRUE(channels_.Answer(static_cast<std::size_t>(i)));
    }
  }
  Poll("greedy");
  for (auto& a : asked) EXPECT_EQ(a.get().error().code, "relay.timeout");
  std::size_t handed = 0;
  for (std::size_t i = 0; i < channels_.count(); ++i) handed += channels_.Answer(i)->status == 200 ? 1U : 0U;
  EXPECT_EQ(handed, 2U) << "max_channels requests at most";
}

}  // namespace
}  // namespace tcj::relay
