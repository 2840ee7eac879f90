// The server's limits against slow and oversized clients (slowloris), on real sockets. The basic
// cases (a stalled header or body, 431, 413) are in server_test.cpp; these prove that the timeouts
// bound the whole header and body, so a client that keeps dribbling bytes is still cut off.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "support/raw_http.hpp"
#include "support/server_fixture.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::RawConnection;
using SteadyClock = std::chrono::steady_clock;

class ServerLimitsTest : public testing::ServerFixture {
 protected:
  void SetUp() override {
    router_.Add({.method = "GET",
                 .pattern = "/hello",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [](Request&) { return Response::Text(200, "hello"); }});
    router_.Add({.method = "POST", .pattern = "/upload", .auth = {AuthKind::none}, .handler = [](Request& r) {
                   return Response::Text(200, std::to_string(r.body.size()));
                 }});
    router_.Add({.method = "POST",
                 .pattern = "/big-upload",
                 .auth = {AuthKind::none},
                 .max_body_bytes = 256 * 1024,
                 .handler = [](Request& r) { return Response::Text(200, std::to_string(r.body.size())); }});
    ServerOptions options = TestOptions();
    options.header_limit = 8 * 1024;
    options.default_body_limit = 64 * 1024;
    options.header_timeout = 800ms;
    options.body_timeout = 800ms;
    options.idle_timeout = 800ms;
    StartServer(options);
  }

  // Sends `bytes` one byte every `pace` until the server closes the connection; returns how long
  // that took and how many bytes went out. Gives up after `limit`.
  struct Dribbled {
    std::chrono::milliseconds took{0};
    std::size_t sent = 0;
    bool closed = false;
  };
  static Dribbled Dribble(RawConnection& c, std::string_view bytes, std::chrono::milliseconds pace,
                          std::chrono::milliseconds limit = 10s) {
    Dribbled d;
    const auto start = SteadyClock::now();
    while (SteadyClock::now() - start < limit) {
      if (d.sent < bytes.size()) {
        if (!c.Send(bytes.substr(d.sent, 1))) {
          d.closed = true;
          break;
        }
        ++d.sent;
      }
      if (c.WaitForClose(pace)) {
        d.closed = true;
        break;
      }
    }
    d.took = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
    return d;
  }

  // Connections closed for that reason, once the count reaches `expected` (the client can see
  // the close a moment before the server has counted it) or 5 s have passed.
  double ClosedFor(std::string_view reason, double expected) const {
    const std::string key = "http_connections_closed_total{reason=\"" + std::string(reason) + "\"} ";
    double count = 0;
    for (int i = 0; i < 500 && count < expected; ++i) {
      if (i > 0) std::this_thread::sleep_for(10ms);
      const std::string text = registry_.RenderPrometheus();
      const auto at = text.find(key);
      count = at == std::string::npos ? 0 : std::stod(text.substr(at + key.size()));
    }
    return count;
  }

};

TEST_F(ServerLimitsTest, HeadersDribbledOneByteAtATimeAreCutOffAtTheHeaderTimeout) {
  RawConnection slow(port_);
  // 5 bytes a second would take over a minute to finish this request.
  const std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(300, 'a') + "\r\n\r\n";
  const Dribbled d = Dribble(slow, request, 200ms);
  EXPECT_TRUE(d.closed) << "still open after " << d.took.count() << " ms and " << d.sent << " bytes";
  EXPECT_LT(d.sent, request.size());
  EXPECT_GE(d.took, 600ms) << "closed before the header timeout";
  EXPECT_LT(d.took, 3s) << "every byte must not restart the clock";
  EXPECT_EQ(ClosedFor("header_timeout", 1), 1);
}

TEST_F(ServerLimitsTest, AKeptAliveConnectionDribblingItsNextRequestIsCutOffToo) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.ReadResponse().has_value());
  // Waiting for the next request is bounded by the idle timeout, then its headers by the header
  // timeout: at most both, however the bytes are paced.
  const std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(300, 'a') + "\r\n\r\n";
  const Dribbled d = Dribble(c, request, 200ms);
  EXPECT_TRUE(d.closed);
  EXPECT_LT(d.sent, request.size());
  EXPECT_LT(d.took, 4s);
}

TEST_F(ServerLimitsTest, ABodyDribbledOneByteAtATimeIsCutOffAtTheBodyTimeout) {
  RawConnection slow(port_);
  ASSERT_TRUE(slow.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  const Dribbled d = Dribble(slow, std::string(1000, 'b'), 200ms);
  EXPECT_TRUE(d.closed);
  EXPECT_LT(d.sent, 1000u);
  EXPECT_GE(d.took, 600ms);
  EXPECT_LT(d.took, 3s);
  EXPECT_EQ(ClosedFor("body_timeout", 1), 1);
}

TEST_F(ServerLimitsTest, ManySmallHeaderFieldsOverTheLimitAre431) {
  std::string fields;
  for (int i = 0; i < 1000; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";  // ~10 KB > 8 KB
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(ServerLimitsTest, AnEndlessHeaderLineIsRefusedOnceOverTheLimit) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Endless: "));
  // Never ends the line: the server must stop reading at the limit, not buffer forever.
  const std::string chunk(4096, 'z');
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !c.Send(chunk) || c.WaitForClose(1ms);
  auto r = c.ReadResponse(2s);
  EXPECT_TRUE(refused || (r.has_value() && r->status == 431));
  if (r.has_value()) {
    EXPECT_EQ(r->status, 431);
  }
}

// The route's own body limit applies, known only once the headers are read: a declared
// Content-Length over it is a 413, and a route may allow more than the server's default.
TEST_F(ServerLimitsTest, ABodyOverTheServersDefaultLimitIs413) {
  RawConnection declared(port_);
  ASSERT_TRUE(declared.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n"));
  auto r = declared.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("body_too_large"), std::string::npos);

  auto within = testing::HttpRequest(port_, "POST", "/upload", std::string(60 * 1024, 'b'));
  ASSERT_TRUE(within.has_value());
  EXPECT_EQ(within->status, 200);
}

TEST_F(ServerLimitsTest, ARouteMayAcceptMoreThanTheServersDefault) {
  auto r = testing::HttpRequest(port_, "POST", "/big-upload", std::string(200 * 1024, 'b'));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::to_string(200 * 1024));
  RawConnection over(port_);
  ASSERT_TRUE(over.Send("POST /big-upload HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n"));
  auto refused = over.ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 413);
}

TEST_F(ServerLimitsTest, ManySlowClientsDoNotDelayOthersAndAreAllClosed) {
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  }
  for (int i = 0; i < 10; ++i) {
    const auto start = SteadyClock::now();
    auto r = HttpGet(port_, "/hello");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(SteadyClock::now() - start, 1s);
  }
  for (auto& c : slow) EXPECT_TRUE(c->WaitForClose(5s));
  EXPECT_EQ(ClosedFor("header_timeout", 100), 100);
}

}  // namespace
}  // namespace tcj::http
