// The SSRF guard against real sockets (security-bar test 39): refused TeamCity URLs make no
// connection at all, whether they come through the save/test path (WithUrlPolicy: the URL check,
// then the connect-time guard) or through polling (the guard alone, as the TeamCity client's
// ClientOptions::allow_address); redirects are never followed; self-hosted operators reach a
// TeamCity on loopback.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "http/address_policy.hpp"
#include "http/client.hpp"
#include "http/guarded_client.hpp"
#include "http/server.hpp"
#include "support/capture_sink.hpp"

namespace tcj::http {
namespace {

using namespace std::chrono_literals;

// Listens on 127.0.0.1 and [::1] on one port and never answers: Accepted() counts the connections
// that reached it (the kernel completes them into the backlog whether or not we accept).
class CountingListener {
 public:
  CountingListener() {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
      Close();
      v4_ = Bind(AF_INET, 0);
      const std::uint16_t candidate = BoundPort(v4_);
      v6_ = Bind(AF_INET6, candidate);
      if (v6_ >= 0) port_ = candidate;
    }
  }
  ~CountingListener() { Close(); }
  CountingListener(const CountingListener&) = delete;
  CountingListener& operator=(const CountingListener&) = delete;

  std::uint16_t port() const { return port_; }

  int Accepted() {
    for (int fd : {v4_, v6_}) {
      while (true) {
        const int c = accept(fd, nullptr, nullptr);
        if (c < 0) break;
        close(c);
        ++accepted_;
      }
    }
    return accepted_;
  }

 private:
  static int Bind(int family, std::uint16_t port) {
    const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int bound = -1;
    if (family == AF_INET) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      const int one = 1;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      a.sin6_addr = in6addr_loopback;
      bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (bound != 0 || listen(fd, 128) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  static std::uint16_t BoundPort(int fd) {
    if (fd < 0) return 0;
    sockaddr_in a{};
    socklen_t size = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0) return 0;
    return ntohs(a.sin_port);
  }
  void Close() {
    for (int* fd : {&v4_, &v6_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  }

  int v4_ = -1;
  int v6_ = -1;
  std::uint16_t port_ = 0;
  int accepted_ = 0;
};

// The machine's own name when it resolves to a loopback address (Debian's /etc/hosts maps it to
// 127.0.1.1): a host name no URL check can judge without DNS. Empty otherwise.
std::string LoopbackHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || std::string_view(name).empty()) return "";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(name, nullptr, &hints, &found) != 0) return "";
  bool all_loopback = found != nullptr;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      all_loopback = all_loopback && (ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
    } else if (a->ai_family == AF_INET6) {
      all_loopback = all_loopback && IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    } else {
      all_loopback = false;
    }
  }
  freeaddrinfo(found);
  return all_loopback ? std::string(name) : "";
}

class SsrfTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(listener_.port(), 0) << "no loopback port free on both 127.0.0.1 and [::1]"; }

  // URLs a tenant might try, every loopback one aimed at the listener.
  std::vector<std::string> RefusedUrls() const {
    const std::string p = std::to_string(listener_.port());
    return {
        "http://127.0.0.1:" + p + "/",
        "http://localhost:" + p + "/",  // a host name that resolves to 127.0.0.1 (and ::1)
        "http://[::1]:" + p + "/",
        "http://0x7f.1:" + p + "/",
        "http://2130706433:" + p + "/",
        "http://0177.0.0.1:" + p + "/",
        "http://127.1:" + p + "/",
        "http://0x7f000001:" + p + "/",
        "http://[::ffff:127.0.0.1]:" + p + "/",
        "http://[::ffff:7f00:1]:" + p + "/",
        "http://0.0.0.0:" + p + "/",  // Linux connects this to the local host
        "http://[::]:" + p + "/",     // and this
        "https://127.0.0.1:" + p + "/",
        "https://localhost:" + p + "/app/rest/server",
        "http://127.0.0.2:" + p + "/",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1",
        "http://192.168.1.1",
        "http://172.16.0.1",
        "http://100.64.0.1",
        "http://[fd00::1]",
        "http://[fd00:ec2::254]/latest/meta-data",
        "http://[fe80::1]",
        "http://[fec0::1]",
        "http://224.0.0.1",
        "http://[ff02::1]",
        "http://255.255.255.255",
        "http://240.0.0.1",
        "http://198.18.0.1",
        "http://[64:ff9b::7f00:1]:" + p + "/",
        "http://[2002:7f00:1::]:" + p + "/",
    };
  }

  CountingListener listener_;
  std::shared_ptr<HttpClient> curl_ = MakeCurlClient("teamcity-jira-test/1");
};

// Without a guard, the loopback URLs of the table do reach the listener: the test can see a connection.
TEST_F(SsrfTest, TheListenerSeesConnectionsWhenNothingIsGuarded) {
  const std::string p = std::to_string(listener_.port());
  for (const std::string& url :
       {"http://127.0.0.1:" + p + "/", "http://localhost:" + p + "/", "http://[::1]:" + p + "/",
        "http://0x7f.1:" + p + "/", "http://2130706433:" + p + "/", "http://127.1:" + p + "/",
        "http://[::ffff:127.0.0.1]:" + p + "/", "http://0.0.0.0:" + p + "/"}) {
    const int before = listener_.Accepted();
    auto res = curl_->Send({.url = url, .connect_timeout = 1s, .total_timeout = 200ms});
    EXPECT_FALSE(res.ok()) << url;  // the listener never answers
    EXPECT_GT(listener_.Accepted(), before) << url;
  }
}

TEST_F(SsrfTest, RefusedUrlsMakeNoConnectionWhenSavedOrTested) {
  const auto client = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(false));
  auto urls = RefusedUrls();
  ASSERT_GE(urls.size(), 20U);
  if (const std::string name = LoopbackHostName(); !name.empty()) {
    urls.push_back("http://" + name + ":" + std::to_string(listener_.port()) + "/");  // the guard, not the URL check
  }
  for (const auto& url : urls) {
    // As given (plain http is refused first), and over https, where the address is what refuses it.
    std::vector<std::pair<std::string, std::vector<std::string>>> attempts;
    if (url.starts_with("http://")) attempts.push_back({url, {"url.https_required"}});
    const std::string https = url.starts_with("http://") ? "https://" + url.substr(7) : url;
    attempts.push_back({https, {"url.private_address", "http.refused_address"}});
    for (const auto& [sent, codes] : attempts) {
      auto res = client->Send({.url = sent, .connect_timeout = 1s, .total_timeout = 2s});
      ASSERT_FALSE(res.ok()) << sent;
      EXPECT_NE(std::find(codes.begin(), codes.end(), res.error().code), codes.end())
          << sent << ": " << res.error().code << ": " << res.error().message;
      EXPECT_FALSE(res.error().retryable) << sent;
      EXPECT_NE(res.error().message.find("teamcity.allow_private_networks"), std::string::npos) << res.error().message;
    }
  }
  EXPECT_EQ(listener_.Accepted(), 0);
}

TEST_F(SsrfTest, RefusedAddressesMakeNoConnectionWhenPolled) {
  // Polling and backfill: the TeamCity client passes ClientOptions::allow_address into every request.
  const auto guard = AddressGuard(UrlPolicy::ForTeamCity(false));
  const auto urls = RefusedUrls();
  for (const auto& url : urls) {
    auto res = curl_->Send({.url = url, .connect_timeout = 1s, .total_timeout = 2s, .allow_address = guard});
    ASSERT_FALSE(res.ok()) << url;
    EXPECT_EQ(res.error().code, "http.refused_address") << url << ": " << res.error().message;
    EXPECT_FALSE(res.error().retryable) << url;
    EXPECT_NE(res.error().message.find("teamcity.allow_private_networks"), std::string::npos) << res.error().message;
  }
  EXPECT_EQ(listener_.Accepted(), 0);
}

TEST_F(SsrfTest, TheAdminIsToldWhichAddressWasRefusedAndWhy) {
  const auto client = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(false));
  const std::string p = std::to_string(listener_.port());
  // A name only DNS can judge: the guard refuses the address it resolved to, and says so.
  auto res =
      curl_->Send({.url = "http://localhost:" + p + "/", .allow_address = AddressGuard(UrlPolicy::ForTeamCity(false))});
  ASSERT_FALSE(res.ok());
  EXPECT_TRUE(res.error().message.starts_with("localhost resolves to ")) << res.error().message;
  EXPECT_NE(res.error().message.find("loopback address"), std::string::npos) << res.error().message;
  EXPECT_NE(res.error().message.find("the connection was refused; the operator must set "
                                     "teamcity.allow_private_networks to allow it"),
            std::string::npos)
      << res.error().message;
  // A literal: refused before any connection, with the same advice.
  auto literal = client->Send({.url = "https://10.0.0.5:8111/app/rest/server"});
  ASSERT_FALSE(literal.ok());
  EXPECT_EQ(literal.error().message,
            "TeamCity at 10.0.0.5 is a private network address (10.0.0.0/8); the operator must set "
            "teamcity.allow_private_networks to allow it");
  auto http = client->Send({.url = "http://tc.example.com/app/rest/server"});
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code, "url.https_required");
  EXPECT_EQ(listener_.Accepted(), 0);
}

class SsrfServerTest : public SsrfTest {
 protected:
  void SetUp() override {
    SsrfTest::SetUp();
    const std::string target = "http://127.0.0.1:" + std::to_string(listener_.port()) + "/";
    router_.Add({.method = "GET", .pattern = "/moved", .auth = {AuthKind::none}, .handler = [target](Request&) {
                   Response r = Response::Text(302, "");
                   r.headers.Set("Location", target);
                   return r;
                 }});
    router_.Add({.method = "GET", .pattern = "/moved-v6", .auth = {AuthKind::none}, .handler = [this](Request&) {
                   Response r = Response::Text(301, "");
                   r.headers.Set("Location", "http://[::1]:" + std::to_string(listener_.port()) + "/latest/meta-data");
                   return r;
                 }});
    router_.Add({.method = "GET", .pattern = "/app/rest/server", .auth = {AuthKind::none}, .handler = [](Request&) {
                   return Response::Json(200, R"({"version":"2025.07","versionMajor":2025})");
                 }});
    ServerOptions options;
    options.worker_threads = 1;
    server_ = std::make_unique<Server>(
        options, core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::error), metrics_);
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
};

// A public server cannot be had on loopback, so a test policy allows the loopback server itself;
// its redirect to another loopback port must still never be followed.
TEST_F(SsrfServerTest, ARedirectToAPrivateAddressIsNeverFollowed) {
  const auto only_loopback = [](const std::string& ip) { return ip == "127.0.0.1"; };
  for (const char* path : {"/moved", "/moved-v6"}) {
    auto res = curl_->Send({.url = base_ + path, .allow_address = only_loopback});
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_TRUE(res->status == 302 || res->status == 301) << res->status;
    auto guarded = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(true))->Send({.url = base_ + path});
    ASSERT_TRUE(guarded.ok()) << guarded.error().message;
    EXPECT_NE(guarded->status, 200);
  }
  EXPECT_EQ(listener_.Accepted(), 0);
}

TEST_F(SsrfServerTest, SelfHostedOperatorsReachATeamCityOnLoopback) {
  auto res = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(true))->Send({.url = base_ + "/app/rest/server"});
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("2025.07"), std::string::npos);
  // The polling path: no guard at all.
  EXPECT_FALSE(static_cast<bool>(AddressGuard(UrlPolicy::ForTeamCity(true))));
  // The same server is refused to the shared service, although a connection to it is open now:
  // guarded requests never reuse a connection that no guard was asked about.
  auto refused = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(false))->Send({.url = base_ + "/app/rest/server"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "url.https_required");
  auto polled =
      curl_->Send({.url = base_ + "/app/rest/server", .allow_address = AddressGuard(UrlPolicy::ForTeamCity(false))});
  ASSERT_FALSE(polled.ok());
  EXPECT_EQ(polled.error().code, "http.refused_address");
}

TEST_F(SsrfServerTest, ARequestsOwnGuardStillApplies) {
  auto res = WithUrlPolicy(curl_, UrlPolicy::ForTeamCity(true))
                 ->Send({.url = base_ + "/app/rest/server", .allow_address = [](const std::string&) { return false; }});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "http.refused_address");
}

}  // namespace
}  // namespace tcj::http
