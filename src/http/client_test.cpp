#include "http/client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <thread>

#include "http/server.hpp"
#include "support/capture_sink.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add({.method = "GET", .pattern = "/echo", .auth = {AuthKind::none}, .handler = [](Request& r) {
                   Response res = Response::Text(200, "ua=" + std::string(r.headers.Get("User-Agent").value_or("")) +
                                                          " x=" + std::string(r.headers.Get("X-Test").value_or("")));
                   res.headers.Set("X-Answer", "42");
                   return res;
                 }});
    router_.Add({.method = "POST", .pattern = "/echo", .auth = {AuthKind::none}, .handler = [](Request& r) {
                   return Response::Json(201, r.body);
                 }});
    router_.Add({.method = "GET", .pattern = "/slow", .auth = {AuthKind::none}, .handler = [](Request&) {
                   std::this_thread::sleep_for(3s);
                   return Response::Text(200, "late");
                 }});
    router_.Add({.method = "GET", .pattern = "/big", .auth = {AuthKind::none}, .handler = [](Request&) {
                   return Response::Text(200, std::string(100'000, 'x'));
                 }});
    router_.Add({.method = "POST", .pattern = "/moved", .auth = {AuthKind::none}, .handler = [](Request&) {
                   Response r = Response::Text(302, "");
                   r.headers.Set("Location", "/echo");
                   return r;
                 }});
    ServerOptions options;
    options.worker_threads = 2;
    server_ = std::make_unique<Server>(options, core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::error),
                                       metrics_);
    server_->Listen("t", "127.0.0.1", 0, router_);
    server_->Start();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port("t"));
  }
  void TearDown() override { server_->Shutdown(1s); }

  core::MetricsRegistry registry_;
  HttpMetrics metrics_{registry_};
  Router router_;
  std::unique_ptr<Server> server_;
  std::string base_;
  std::shared_ptr<HttpClient> client_ = MakeCurlClient("teamcity-jira-test/1");
};

TEST_F(ClientTest, SendsHeadersAndReadsTheAnswer) {
  ClientRequest req;
  req.url = base_ + "/echo";
  req.headers.Set("X-Test", "yes");
  auto res = client_->Send(req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ua=teamcity-jira-test/1 x=yes");
  EXPECT_EQ(res->headers.Get("X-Answer"), "42");
}

TEST_F(ClientTest, PostsABody) {
  ClientRequest req{.method = "POST", .url = base_ + "/echo"};
  req.headers.Set("Content-Type", "application/json");
  req.body = R"({"a":1})";
  auto res = client_->Send(req);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, R"({"a":1})");
}

TEST_F(ClientTest, NeverFollowsRedirects) {
  auto res = client_->Send({.method = "POST", .url = base_ + "/moved"});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 302);  // a POST turned into a GET elsewhere is exactly what must not happen
}

TEST_F(ClientTest, TimesOut) {
  auto res = client_->Send({.url = base_ + "/slow", .total_timeout = 300ms});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "http.timeout");
  EXPECT_TRUE(res.error().retryable);
}

TEST_F(ClientTest, CapsTheResponseSize) {
  auto res = client_->Send({.url = base_ + "/big", .max_response_bytes = 10'000});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "http.too_large");
  EXPECT_FALSE(res.error().retryable);
}

TEST_F(ClientTest, ReportsConnectionFailures) {
  auto refused = client_->Send({.url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "http.connect");
  auto dns = client_->Send({.url = "http://no-such-host.invalid/"});
  ASSERT_FALSE(dns.ok());
  EXPECT_EQ(dns.error().code, "http.dns");
  EXPECT_NE(dns.error().message.find("no-such-host.invalid"), std::string::npos);
  auto scheme = client_->Send({.url = "file:///etc/passwd"});
  EXPECT_FALSE(scheme.ok());
}

TEST_F(ClientTest, TheAddressGuardIsAskedBeforeConnecting) {
  std::string asked;
  auto res = client_->Send({.url = base_ + "/echo", .allow_address = [&asked](const std::string& ip) {
                              asked = ip;
                              return false;
                            }});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "http.refused_address");
  EXPECT_EQ(asked, "127.0.0.1");
}

// A TCP listener on loopback that counts the connections made to it and closes each at once: a
// stand-in for a proxy, to see whether anything went through it.
class CountingListener {
 public:
  CountingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          ++accepted_;
          ::close(c);
        }
      }
    });
  }
  ~CountingListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, std::string>> values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name, value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The review's finding: libcurl read HTTPS_PROXY from the environment, and the SSRF guard then
// checked only the proxy's address. The environment is never read now.
TEST_F(ClientTest, ProxyEnvironmentVariablesAreIgnored) {
  CountingListener proxy;
  const ScopedEnv env{{"http_proxy", proxy.url()}, {"HTTP_PROXY", proxy.url()}, {"https_proxy", proxy.url()},
                      {"HTTPS_PROXY", proxy.url()}, {"ALL_PROXY", proxy.url()}, {"all_proxy", proxy.url()},
                      {"NO_PROXY", ""}, {"no_proxy", ""}};
  auto direct = MakeCurlClient("teamcity-jira-test/1");
  auto res = direct->Send({.url = base_ + "/echo"});
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(proxy.accepted(), 0) << "the request went through the proxy of the environment";
}

TEST_F(ClientTest, AConfiguredProxyCarriesEveryRequest) {
  CountingListener proxy;
  auto proxied = MakeCurlClient("teamcity-jira-test/1", proxy.url());
  auto res = proxied->Send({.url = base_ + "/echo"});
  EXPECT_FALSE(res.ok()) << "the stand-in proxy closes every connection";
  EXPECT_EQ(proxy.accepted(), 1);
}

}  // namespace
}  // namespace tcj::http
