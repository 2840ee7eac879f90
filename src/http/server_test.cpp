#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "core/blocking.hpp"
#include "support/raw_http.hpp"
#include "support/server_fixture.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::HttpRequest;
using testing::RawConnection;

class ServerTest : public testing::ServerFixture {
 protected:
  void SetUp() override {
    router_.Add({.method = "GET",
                 .pattern = "/hello",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [](Request& r) { return Response::Text(200, "hello " + r.remote_address); }});
    router_.Add({.method = "POST",
                 .pattern = "/echo",
                 .auth = {AuthKind::none},
                 .max_body_bytes = 1024,
                 .handler = [](Request& r) { return Response::Text(200, r.body); }});
    // Answers how many times the handler ran; with ?block it waits for something (core::MayBlock).
    router_.Add({.method = "GET",
                 .pattern = "/first",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread_first,
                 .handler = [this](Request& r) {
                   const int run = ++first_runs_;
                   if (r.query == "block") core::MayBlock();
                   return Response::Text(200, std::to_string(run));
                 }});
    router_.Add({.method = "GET", .pattern = "/slow", .auth = {AuthKind::none}, .handler = [this](Request&) {
                   slow_started_.count_down();
                   release_slow_.get_future().wait();
                   return Response::Text(200, "finally");
                 }});
    ServerOptions options = TestOptions();
    options.header_timeout = 400ms;
    options.body_timeout = 400ms;
    options.idle_timeout = 600ms;
    StartServer(options);
  }
  void TearDown() override {
    release_slow_.set_value();
    ServerFixture::TearDown();
  }

  std::atomic<int> first_runs_{0};
  std::latch slow_started_{1};
  std::promise<void> release_slow_;
};

TEST_F(ServerTest, AnswersWithARequestId) {
  auto r = HttpGet(port_, "/hello");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello 127.0.0.1");
  ASSERT_TRUE(r->Header("X-Request-Id").has_value());
  EXPECT_EQ(r->Header("X-Request-Id")->size(), 16u);
  EXPECT_TRUE(r->Header("Date").has_value());
}

TEST_F(ServerTest, KeepsACallersSaneRequestIdOnly) {
  EXPECT_EQ(HttpGet(port_, "/hello", "X-Request-Id: abc-123\r\n")->Header("X-Request-Id"), "abc-123");
  EXPECT_NE(HttpGet(port_, "/hello", "X-Request-Id: <script>\r\n")->Header("X-Request-Id"), "<script>");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  auto missing = HttpGet(port_, "/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("\"code\":\"not_found\""), std::string::npos);
  auto wrong = HttpRequest(port_, "DELETE", "/hello", "");
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("Allow"), "GET");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  const std::string big = "X-Big: " + std::string(20 * 1024, 'a') + "\r\n";
  auto r = HttpGet(port_, "/hello", big);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerTest, OversizedDeclaredBodyIs413BeforeReadingIt) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  RawConnection c(port_);
  std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "200\r\n" + std::string(512, 'z') + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, BodyWithinTheRouteLimitIsServed) {
  auto r = HttpRequest(port_, "POST", "/echo", std::string(1024, 'b'));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1024u);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(ServerTest, SlowClientIsClosedAtTheHeaderTimeoutWhileOthersAreServed) {
  RawConnection slow(port_);
  ASSERT_TRUE(slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  // Others keep being served while the slow client dawdles.
  auto other = HttpGet(port_, "/hello");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->status, 200);
  EXPECT_TRUE(slow.WaitForClose(10s)) << "the server never closed a client that stopped sending headers";
  EXPECT_FALSE(slow.ReadResponse(100ms).has_value());
}

TEST_F(ServerTest, SlowBodyIsClosedAtTheBodyTimeout) {
  RawConnection slow(port_);
  ASSERT_TRUE(slow.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a bit"));
  EXPECT_TRUE(slow.WaitForClose(10s));
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawConnection c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << "request " << i;
    EXPECT_EQ(r->status, 200);
  }
  // And the idle connection is closed after the idle timeout.
  EXPECT_TRUE(c.WaitForClose(10s));
}

TEST_F(ServerTest, AnswersExpect100Continue) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("ping"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ping");
}

TEST_F(ServerTest, AccessLogRedactsTokensInTheQuery) {
  ASSERT_TRUE(HttpGet(port_, "/hello?jwt=eyJhbGciOi.secretpart.sig&xdm_e=x").has_value());
  server_->Shutdown(1s);  // flushes in-flight logging
  const std::string logs = sink_->all();
  EXPECT_NE(logs.find("jwt=[REDACTED]&xdm_e=x"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("secretpart"), std::string::npos) << logs;
  EXPECT_NE(logs.find("\"msg\":\"http.request\""), std::string::npos);
}

// log.access = errors: a busy service logs what someone will look for; the metrics count the rest.
TEST_F(ServerTest, AccessLogInErrorsModeKeepsFailuresOnlyAndMetricsCountEverything) {
  server_->Shutdown(1s);
  server_.reset();
  ServerOptions options = TestOptions();
  options.access_log = *core::AccessLogPolicy::Parse("errors");
  StartServer(options);
  const auto before = sink_->all().size();
  ASSERT_TRUE(HttpGet(port_, "/hello?fine=1").has_value());
  ASSERT_TRUE(HttpGet(port_, "/nope?missing=1").has_value());
  server_->Shutdown(1s);
  const std::string logs = sink_->all().substr(before);
  EXPECT_EQ(logs.find("fine=1"), std::string::npos) << logs;
  EXPECT_NE(logs.find("missing=1"), std::string::npos) << logs;
  const std::string text = registry_.RenderPrometheus();
  EXPECT_NE(text.find(R"(http_requests_total{listener="public",route="/hello",method="GET",status="200"} 1)"),
            std::string::npos)
      << text;
}

// A read that needs nothing but memory is answered on the I/O thread in one run; one that would
// block is run again on the worker pool, where blocking is allowed.
TEST_F(ServerTest, AnIoThreadFirstRouteMovesToTheWorkersWhenItWouldBlock) {
  auto inline_answer = HttpGet(port_, "/first");
  ASSERT_TRUE(inline_answer.has_value());
  EXPECT_EQ(inline_answer->body, "1");
  auto moved = HttpGet(port_, "/first?block");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->status, 200);
  EXPECT_EQ(moved->body, "3") << "the first run stopped at the blocking step, the second finished on a worker";
}

TEST_F(ServerTest, CountsRequestsByRouteAndStatus) {
  HttpGet(port_, "/hello");
  HttpGet(port_, "/hello");
  HttpGet(port_, "/nope");
  const std::string text = registry_.RenderPrometheus();
  EXPECT_NE(text.find(R"(http_requests_total{listener="public",route="/hello",method="GET",status="200"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_requests_total{listener="public",route="unmatched",method="GET",status="404"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_request_duration_seconds_count{listener="public",route="/hello",method="GET",status="200"} 2)"),
            std::string::npos)
      << text;
}

TEST_F(ServerTest, GracefulShutdownLetsTheRequestInFlightFinish) {
  auto in_flight = std::async(std::launch::async, [this] { return HttpGet(port_, "/slow"); });
  slow_started_.wait();
  auto shutdown = std::async(std::launch::async, [this] { server_->Shutdown(30s); });
  // New connections are no longer accepted once shutdown has begun.
  for (int i = 0; i < 200 && RawConnection(port_).connected(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(RawConnection(port_).connected());
  release_slow_.set_value();
  release_slow_ = {};  // TearDown releases again harmlessly
  auto r = in_flight.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finally");
  EXPECT_EQ(r->Header("Connection"), "close");
  shutdown.get();
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnections) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.ReadResponse().has_value());
  auto shutdown = std::async(std::launch::async, [this] { server_->Shutdown(30s); });
  EXPECT_TRUE(c.WaitForClose(10s));
  shutdown.get();  // returns once no connection is left, well before the grace period
}

// One I/O thread (the acceptor's too), which a request to /hold keeps busy until released, and
// keep-alive connections that stay open for as long as a test needs.
class ServerDrainTest : public testing::ServerFixture {
 protected:
  void SetUp() override {
    router_.Add({.method = "GET",
                 .pattern = "/hello",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [](Request&) { return Response::Text(200, "hello"); }});
    router_.Add({.method = "GET",
                 .pattern = "/hold",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [this](Request&) {
                   held_.count_down();
                   release_.get_future().wait();
                   return Response::Text(200, "released");
                 }});
    ServerOptions options = TestOptions();
    options.io_threads = 1;
    options.idle_timeout = 60s;
    StartServer(options);
  }
  void TearDown() override {
    Release();
    ServerFixture::TearDown();
  }
  void Release() {
    if (!released_.exchange(true)) release_.set_value();
  }

  static constexpr std::string_view kHello = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  std::latch held_{1};
  std::promise<void> release_;
  std::atomic<bool> released_{false};
};

// Behind a load balancer that has not yet noticed the drain (its health check), new connections
// are served, and a keep-alive connection it holds is not closed under it: its next request is
// answered, with Connection: close.
TEST_F(ServerDrainTest, DrainingServesNewConnectionsAndKeepsIdleOnesUntilTheirNextAnswer) {
  RawConnection idle(port_);
  ASSERT_TRUE(idle.Send(kHello));
  ASSERT_TRUE(idle.ReadResponse().has_value());

  server_->BeginDrain();
  EXPECT_TRUE(server_->draining());
  RawConnection fresh(port_);
  ASSERT_TRUE(fresh.connected());
  ASSERT_TRUE(fresh.Send(kHello));
  const auto answer = fresh.ReadResponse();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->Header("Connection"), "close");
  EXPECT_TRUE(fresh.WaitForClose(10s));

  EXPECT_FALSE(idle.WaitForClose(300ms)) << "the drain closed an idle keep-alive connection";
  ASSERT_TRUE(idle.Send(kHello));
  const auto next = idle.ReadResponse();
  ASSERT_TRUE(next.has_value()) << "the idle connection's next request was not answered";
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->Header("Connection"), "close");
  EXPECT_TRUE(idle.WaitForClose(10s));
  server_->Shutdown(30s);
}

// Connections the system completed before the listener closed, waiting to be accepted with their
// requests sent, are answered rather than reset (a reset POST is lost: no balancer retries it).
TEST_F(ServerDrainTest, ShutdownAnswersConnectionsWaitingToBeAccepted) {
  auto holder = std::async(std::launch::async, [this] { return HttpGet(port_, "/hold"); });
  held_.wait();  // from now on nothing is accepted until the release
  std::vector<std::unique_ptr<RawConnection>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(waiting.back()->connected());
    ASSERT_TRUE(waiting.back()->Send(kHello));
  }
  auto shutdown = std::async(std::launch::async, [this] { server_->Shutdown(30s); });
  while (!server_->draining()) std::this_thread::sleep_for(1ms);
  // Only for the order of events: the listener's close is queued behind the held thread.
  std::this_thread::sleep_for(100ms);
  Release();
  for (auto& c : waiting) {
    const auto r = c->ReadResponse();
    ASSERT_TRUE(r.has_value()) << "a connection waiting to be accepted was reset";
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("Connection"), "close");
  }
  const auto held = holder.get();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->body, "released");
  shutdown.get();
  EXPECT_FALSE(RawConnection(port_).connected());
}

TEST(ServerListen, PortInUseIsAClearStartupError) {
  core::MetricsRegistry registry;
  HttpMetrics metrics(registry);
  Router router;
  auto sink = std::make_shared<testing::CaptureSink>();
  Server first(ServerOptions{}, core::Logger(sink, core::LogLevel::info), metrics);
  first.Listen("public", "127.0.0.1", 0, router);
  const auto port = first.port("public");
  core::MetricsRegistry registry2;
  HttpMetrics metrics2(registry2);
  Server second(ServerOptions{}, core::Logger(sink, core::LogLevel::info), metrics2);
  try {
    second.Listen("public", "127.0.0.1", port, router);
    FAIL() << "listening twice on one port succeeded";
  } catch (const ListenError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  EXPECT_THROW(second.Listen("public", "not-an-ip", 1, router), ListenError);
}

}  // namespace
}  // namespace tcj::http
