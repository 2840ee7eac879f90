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
                          "https://x:0", "https://x:70000", "https://x:", "https://x y", "https://[::1"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tcj::core
