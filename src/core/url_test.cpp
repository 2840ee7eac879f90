#include "core/url.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

TEST(Url, ParsesParts) {
  auto u = ParseUrl("HTTPS://TC.Example.com:8443/teamcity/app?x=1");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "tc.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/teamcity/app");
  EXPECT_EQ(u->query, "x=1");
  EXPECT_EQ(u->Origin(), "https://tc.example.com:8443");
}

TEST(Url, DefaultPortsAndIpv6) {
  EXPECT_EQ(ParseUrl("http://a.example")->port, 80);
  EXPECT_EQ(ParseUrl("https://a.example")->port, 443);
  auto v6 = ParseUrl("http://[::1]:8111/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->Origin(), "http://[::1]:8111");
}

TEST(Url, RefusesWhatMustNotBeAccepted) {
  for (const char* bad : {"ftp://x", "x.example.com", "https://", "https://user:pw@x.example", "https://x/#frag",
                          "https://x:0", "https://x:70000", "https://x:", "https://x y", "https://[::1", "https:///app",
                          "https://:8111/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

// The address check and the request must see the same host: the parser is libcurl's, which
// fetches the URL, so the numeric forms of an IPv4 address it would connect to are what we check.
TEST(Url, ReadsHostsAsTheFetchWill) {
  EXPECT_EQ(ParseUrl("http://0x7f.1/")->host, "127.0.0.1");
  EXPECT_EQ(ParseUrl("http://0X7F.1/")->host_as_written, "0x7f.1") << "kept for messages";
  EXPECT_EQ(ParseUrl("http://2130706433/")->host, "127.0.0.1");
  EXPECT_EQ(ParseUrl("http://[::FFFF:127.0.0.1]/")->host.substr(0, 7), "::ffff:");
}

TEST(Url, KeepsAnAbsentPathAbsentAndTheQueryRaw) {
  EXPECT_EQ(ParseUrl("https://x.example")->path, "");
  EXPECT_EQ(ParseUrl("https://x.example/")->path, "/");
  EXPECT_EQ(ParseUrl("https://x.example?a=%20b")->query, "a=%20b");
  EXPECT_EQ(ParseUrl("https://x.example/p?a=1&b")->WithoutQuery(), "https://x.example/p");
}

}  // namespace
}  // namespace tcj::core
