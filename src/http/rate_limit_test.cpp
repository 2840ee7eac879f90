#include "http/rate_limit.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "http/router.hpp"
#include "http/server.hpp"
#include "support/capture_sink.hpp"
#include "support/raw_http.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;

TEST(TokenBuckets, AllowsTheBurstThenRefillsAtTheRate) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 2, .burst = 4}, 100, clock);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(buckets.Take("a").admitted) << i;
  const Admission refused = buckets.Take("a");
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after, 1s);

  clock.Advance(499ms);
  EXPECT_FALSE(buckets.Take("a").admitted) << "a refused request must not cost a token, nor a token come early";
  clock.Advance(1ms);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_FALSE(buckets.Take("a").admitted);

  // A long quiet spell fills the bucket up to the burst, not beyond.
  clock.Advance(1h);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(buckets.Take("a").admitted) << i;
  EXPECT_FALSE(buckets.Take("a").admitted);
}

TEST(TokenBuckets, RetryAfterIsTheWaitInWholeSecondsRoundedUp) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 5.0 / 60.0, .burst = 5}, 100, clock);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(buckets.Take("a").admitted);
  EXPECT_EQ(buckets.Take("a").retry_after, 12s);
  clock.Advance(2500ms);
  EXPECT_EQ(buckets.Take("a").retry_after, 10s);  // 9.5 s rounded up
  clock.Advance(9s);
  EXPECT_EQ(buckets.Take("a").retry_after, 1s);  // 0.5 s: never "0"
  clock.Advance(500ms);
  EXPECT_TRUE(buckets.Take("a").admitted);
}

TEST(TokenBuckets, KeysHaveTheirOwnBuckets) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 1, .burst = 1}, 100, clock);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_FALSE(buckets.Take("a").admitted);
  EXPECT_TRUE(buckets.Take("b").admitted);
  EXPECT_EQ(buckets.size(), 2u);
}

TEST(TokenBuckets, GiveReturnsATokenButNeverBeyondTheBurst) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 0.001, .burst = 2}, 100, clock);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_FALSE(buckets.Take("a").admitted);
  buckets.Give("a");
  EXPECT_TRUE(buckets.Take("a").admitted);
  for (int i = 0; i < 10; ++i) buckets.Give("a");
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_FALSE(buckets.Take("a").admitted);
  buckets.Give("unknown");  // harmless
  EXPECT_EQ(buckets.size(), 1u);
}

TEST(TokenBuckets, ZeroRateIsUnlimitedAndTracksNothing) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 0, .burst = 1}, 100, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(buckets.Take("a").admitted);
  EXPECT_EQ(buckets.size(), 0u);
}

TEST(TokenBuckets, AtTheCapTheLeastRecentlyUsedKeyIsForgotten) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 0.001, .burst = 1}, 3, clock, /*shards=*/1);
  EXPECT_TRUE(buckets.Take("a").admitted);
  EXPECT_TRUE(buckets.Take("b").admitted);
  EXPECT_TRUE(buckets.Take("c").admitted);
  EXPECT_FALSE(buckets.Take("a").admitted);  // a is now the most recently used
  EXPECT_TRUE(buckets.Take("d").admitted);   // makes room by forgetting b
  EXPECT_EQ(buckets.size(), 3u);
  EXPECT_FALSE(buckets.Take("a").admitted) << "a was used recently and must have been kept";
  EXPECT_FALSE(buckets.Take("d").admitted);
  EXPECT_TRUE(buckets.Take("b").admitted) << "b was forgotten, so it starts again with a full bucket";
  EXPECT_EQ(buckets.size(), 3u);
}

TEST(TokenBuckets, MemoryStaysBoundedUnderAFloodOfAddresses) {
  core::ManualClock clock;
  core::Gauge gauge;
  TokenBuckets buckets({.per_second = 1, .burst = 2}, 1000, clock);
  buckets.ReportSizeTo(&gauge);
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(
        buckets
            .Take("198.51." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + "#" + std::to_string(i))
            .admitted);
  }
  EXPECT_LE(buckets.size(), 1024u);  // 32 shards of ceil(1000 / 32)
  EXPECT_GE(buckets.size(), 900u);
  EXPECT_EQ(gauge.value(), static_cast<double>(buckets.size()));
}

TEST(TokenBuckets, BucketsIdleLongEnoughToBeFullAgainAreDropped) {
  core::ManualClock clock;
  TokenBuckets buckets({.per_second = 1, .burst = 2}, 100, clock, /*shards=*/1);
  for (const char* key : {"a", "b", "c"}) ASSERT_TRUE(buckets.Take(key).admitted);
  EXPECT_EQ(buckets.size(), 3u);
  clock.Advance(1s);  // each is full again
  ASSERT_TRUE(buckets.Take("d").admitted);
  EXPECT_EQ(buckets.size(), 2u) << "two idle buckets are dropped per call";
  ASSERT_TRUE(buckets.Take("d").admitted);
  EXPECT_EQ(buckets.size(), 1u);
}

TEST(TokenBuckets, ConcurrentTakersNeverGetMoreThanTheBurst) {
  core::ManualClock clock;  // never moves: no refill
  TokenBuckets buckets({.per_second = 1, .burst = 100}, 10'000, clock, 8);
  std::atomic<int> shared_admitted{0};
  std::atomic<int> own_admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        if (buckets.Take("shared").admitted) ++shared_admitted;
        if (buckets.Take("own-" + std::to_string(t)).admitted) ++own_admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(shared_admitted.load(), 100);
  EXPECT_EQ(own_admitted.load(), 8 * 100);
  EXPECT_EQ(buckets.size(), 9u);
}

TEST(AddressKey, IPv4AsIsAndIPv6ByItsSlash64) {
  EXPECT_EQ(AddressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_NE(AddressKey("2001:db8:1:3::1"), AddressKey("2001:db8:1:2::1"));
  EXPECT_EQ(AddressKey("::1"), "::/64");
  EXPECT_EQ(AddressKey("not an address"), "not an address");
  EXPECT_EQ(AddressKey(std::string(500, 'x')).size(), 64u);
  EXPECT_EQ(AddressKey(""), "");
}

Request From(std::string address, std::vector<std::string> forwarded_for = {}) {
  Request r;
  r.remote_address = std::move(address);
  for (auto& value : forwarded_for) r.headers.Add("X-Forwarded-For", std::move(value));
  return r;
}

TEST(RateLimiterClientKey, IgnoresXForwardedForUnlessProxiesAreTrusted) {
  core::ManualClock clock;
  core::MetricsRegistry registry;
  RateLimiter untrusting({}, clock, registry);
  EXPECT_EQ(untrusting.ClientKey(From("10.0.0.9", {"203.0.113.5"})), "10.0.0.9");

  core::MetricsRegistry registry1;
  RateLimiter one_proxy({.trusted_proxy_hops = 1}, clock, registry1);
  // The client may write anything in front; the last entry is what our proxy saw.
  EXPECT_EQ(one_proxy.ClientKey(From("10.0.0.9", {"1.2.3.4, 203.0.113.5"})), "203.0.113.5");
  EXPECT_EQ(one_proxy.ClientKey(From("10.0.0.9", {"1.2.3.4", "203.0.113.5"})), "203.0.113.5");
  EXPECT_EQ(one_proxy.ClientKey(From("10.0.0.9", {"203.0.113.5:41234"})), "203.0.113.5");
  EXPECT_EQ(one_proxy.ClientKey(From("10.0.0.9", {"[2001:db8::5]:443"})), "2001:db8::/64");
  EXPECT_EQ(one_proxy.ClientKey(From("10.0.0.9")), "10.0.0.9") << "no header: the peer";

  core::MetricsRegistry registry2;
  RateLimiter two_proxies({.trusted_proxy_hops = 2}, clock, registry2);
  EXPECT_EQ(two_proxies.ClientKey(From("10.0.0.9", {"1.2.3.4, 203.0.113.5, 10.0.0.2"})), "203.0.113.5");
  EXPECT_EQ(two_proxies.ClientKey(From("10.0.0.9", {"10.0.0.2"})), "10.0.0.9") << "fewer entries than proxies";
}

TEST(RateLimiter, RefusalIs429WithRetryAfterAndTheErrorShape) {
  const Response r = TooManyRequests(12s);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.Get("Retry-After"), "12");
  EXPECT_EQ(r.body, R"({"error":{"code":"rate_limited","message":"Too many requests; try again in 12 seconds."}})");
  EXPECT_EQ(TooManyRequests(0s).headers.Get("Retry-After"), "1");
}

// Over the wire: a real server, router and limiter.
TEST(RateLimiterServer, AnswersTooManyRequestsOverHttp) {
  core::MetricsRegistry registry;
  HttpMetrics http_metrics(registry);
  core::SystemClock clock;
  Router router;
  router.Add({.method = "GET", .pattern = "/api/v1/thing", .auth = {AuthKind::none}, .handler = [](Request&) {
                return Response::Json(200, "{}");
              }});
  router.Add({.method = "GET",
              .pattern = "/healthz",
              .auth = {AuthKind::none},
              .execution = Execution::io_thread,
              .rate_limit = RateLimit::none,
              .handler = [](Request&) { return Response::Json(200, "{}"); }});
  router.SetRateLimiter(std::make_shared<RateLimiter>(RateLimitOptions{.per_address = {.per_second = 0.01, .burst = 2}},
                                                      clock, registry));
  auto sink = std::make_shared<testing::CaptureSink>();
  Server server(ServerOptions{}, core::Logger(sink, core::LogLevel::info), http_metrics);
  server.Listen("public", "127.0.0.1", 0, router);
  server.Start();
  const auto port = server.port("public");

  EXPECT_EQ(testing::HttpGet(port, "/api/v1/thing")->status, 200);
  EXPECT_EQ(testing::HttpGet(port, "/api/v1/thing")->status, 200);
  const auto refused = testing::HttpGet(port, "/api/v1/thing");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->Header("Retry-After"), "100");
  EXPECT_EQ(refused->Header("Content-Type"), "application/json");
  EXPECT_NE(refused->body.find(R"("code":"rate_limited")"), std::string::npos) << refused->body;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(testing::HttpGet(port, "/healthz")->status, 200);
  server.Shutdown(1s);
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find(R"(http_rate_limited_total{scope="ip"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(http_rate_limit_tracked_keys{scope="ip"} 1)"), std::string::npos) << text;
}

}  // namespace
}  // namespace tcj::http
