// What the server refuses before it spends memory on a client, on real sockets: connections over
// the caps (closed at accept), clients over their rate limit and strangers on header-authenticated
// routes (answered as soon as the headers are in, without waiting for or reading the body).
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "http/rate_limit.hpp"
#include "support/raw_http.hpp"
#include "support/server_fixture.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::RawConnection;

// "Authorization: Bearer good" passes; reads headers only. Counts its calls.
class HeaderSecret final : public Authenticator {
 public:
  bool Recognizes(const Request& request) const override { return request.headers.Get("Authorization").has_value(); }
  std::optional<Response> Authenticate(Request& request) const override {
    ++calls;
    if (request.headers.Get("Authorization") != "Bearer good") return Response::Error(401, "unauthenticated", "no");
    request.principal.subject = "hook";
    return std::nullopt;
  }
  bool NeedsBody() const override { return false; }
  mutable std::atomic<int> calls{0};
};

class ServerAdmissionTest : public testing::ServerFixture {
 protected:
  void Start(ServerOptions options, RateLimitOptions limits = {.per_address = {1000, 1000}}) {
    router_.Add({.method = "GET",
                 .pattern = "/hello",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [](Request&) { return Response::Text(200, "hello"); }});
    router_.Add({.method = "POST",
                 .pattern = "/hook",
                 .auth = {AuthKind::webhook_secret},
                 .max_body_bytes = 64 * 1024,
                 .handler = [this](Request& r) {
                   ++handled_;
                   return Response::Text(202, std::to_string(r.body.size()));
                 }});
    router_.Add({.method = "POST", .pattern = "/open", .auth = {AuthKind::none}, .handler = [](Request& r) {
                   return Response::Text(200, std::to_string(r.body.size()));
                 }});
    router_.SetAuthenticator(AuthKind::webhook_secret, auth_);
    router_.SetRateLimiter(std::make_shared<RateLimiter>(limits, clock_, registry_));
    options.io_threads = 1;
    options.worker_threads = 2;
    options.header_timeout = 5s;
    options.body_timeout = 5s;
    StartServer(options);
  }

  std::string Metric(const std::string& key) const {
    const std::string text = registry_.RenderPrometheus();
    const auto at = text.find(key + " ");
    return at == std::string::npos ? "" : text.substr(at + key.size() + 1, text.find('\n', at) - at - key.size() - 1);
  }

  // The connection was closed by the server without an answer to a request sent on it.
  static bool ClosedWithoutAnswer(RawConnection& c) {
    c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    return !c.ReadResponse(3s).has_value();
  }

  core::ManualClock clock_;
  std::shared_ptr<HeaderSecret> auth_ = std::make_shared<HeaderSecret>();
  std::atomic<int> handled_{0};
};

TEST_F(ServerAdmissionTest, ConnectionsOverThePerClientCapAreClosedAtAccept) {
  Start({.max_connections = 100, .max_connections_per_client = 3});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(port_));
    held.back()->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(held.back()->ReadResponse(3s).has_value()) << i;  // kept alive
  }
  RawConnection fourth(port_);
  EXPECT_TRUE(ClosedWithoutAnswer(fourth));
  EXPECT_EQ(Metric(R"(http_connections_refused_total{reason="per_client"})"), "1");
  held.pop_back();  // one closes: a place is free again
  for (int i = 0; i < 200; ++i) {
    auto again = HttpGet(port_, "/hello");
    if (again && again->status == 200) return;
    std::this_thread::sleep_for(10ms);  // the server sees the close a moment after the client
  }
  FAIL() << "no place came free after a connection closed";
}

TEST_F(ServerAdmissionTest, ConnectionsOverTheTotalCapAreClosedAtAccept) {
  Start({.max_connections = 2, .max_connections_per_client = 0});
  RawConnection a(port_);
  RawConnection b(port_);
  a.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  b.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(a.ReadResponse(3s).has_value());
  ASSERT_TRUE(b.ReadResponse(3s).has_value());
  RawConnection c(port_);
  EXPECT_TRUE(ClosedWithoutAnswer(c));
  EXPECT_EQ(Metric(R"(http_connections_refused_total{reason="total"})"), "1");
}

// A stranger announcing a large body gets its 401 as soon as the headers are in: nothing of the
// body is awaited or read, and the handler never runs.
TEST_F(ServerAdmissionTest, AHeaderAuthenticatedRouteRefusesAStrangerBeforeTheBody) {
  Start({});
  RawConnection c(port_);
  c.Send("POST /hook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: 60000\r\n\r\n");
  // Had the server waited for the body, the body timeout would close the connection unanswered.
  const auto refused = c.ReadResponse(10s);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(auth_->calls.load(), 1);
  EXPECT_EQ(handled_.load(), 0);

  // The right secret: the body is read after authentication, and the handler gets it.
  auto accepted = testing::HttpRequest(port_, "POST", "/hook", std::string(1000, 'x'), "Authorization: Bearer good\r\n");
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 202);
  EXPECT_EQ(accepted->body, "1000");
  EXPECT_EQ(auth_->calls.load(), 2) << "authenticated once, before the body";
}

TEST_F(ServerAdmissionTest, AHeaderAuthenticatedRouteKeepsItsSmallBodyLimit) {
  Start({});
  auto big = testing::HttpRequest(port_, "POST", "/hook", std::string(100 * 1024, 'x'), "Authorization: Bearer good\r\n");
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(handled_.load(), 0);
}

// The per-address limit applies as soon as the headers are in: a client over its limit gets its
// 429 without the server waiting for the body it announced.
TEST_F(ServerAdmissionTest, TheAddressLimitAppliesBeforeTheBody) {
  Start({}, {.per_address = {.per_second = 1, .burst = 1}});
  auto first = testing::HttpRequest(port_, "POST", "/open", "x");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  RawConnection c(port_);
  c.Send("POST /open HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n");
  const auto refused = c.ReadResponse(10s);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 429);
}

}  // namespace
}  // namespace tcj::http
