// The SSRF policy without the network: which addresses are public, which TeamCity URLs may be
// saved, and what an admin is told (security-bar test 39; the connections themselves are in
// ssrf_test.cpp).
#include "http/address_policy.hpp"

#include <gtest/gtest.h>

namespace tcj::http {
namespace {

TEST(AddressPolicyTest, PublicAddressesPass) {
  for (const char* ip : {"8.8.8.8",
                         "1.1.1.1",
                         "9.9.9.9",
                         "140.82.112.3",
                         "100.63.255.255",
                         "100.128.0.0",
                         "172.15.255.255",
                         "172.32.0.0",
                         "192.167.255.255",
                         "192.169.0.0",
                         "198.17.255.255",
                         "198.20.0.0",
                         "223.255.255.255",
                         "2606:4700::1111",
                         "2001:4860:4860::8888",
                         "2a00:1450:4001:80b::200e",
                         "::ffff:8.8.8.8",
                         "64:ff9b::808:808",
                         "2002:808:808::1",
                         "2001:200::1"}) {
    EXPECT_TRUE(IsPublicAddress(ip)) << ip << ": " << WhyRefused(ip);
    EXPECT_EQ(WhyRefused(ip), "") << ip;
  }
}

TEST(AddressPolicyTest, RefusesEveryNonPublicIpv4Range) {
  for (const char* ip : {
           "127.0.0.1",       "127.255.255.254", "0.0.0.0",         "0.1.2.3",     "10.0.0.1",
           "10.255.255.255",  "172.16.0.1",      "172.31.255.255",  "192.168.1.1", "100.64.0.1",
           "100.127.255.255", "169.254.169.254", "169.254.0.1",     "192.0.0.8",   "192.0.0.192",
           "192.0.2.1",       "198.51.100.7",    "203.0.113.9",     "198.18.0.1",  "198.19.255.255",
           "192.88.99.1",     "224.0.0.1",       "239.255.255.250", "240.0.0.1",   "255.255.255.255",
       }) {
    EXPECT_FALSE(IsPublicAddress(ip)) << ip;
    EXPECT_NE(WhyRefused(ip), "") << ip;
  }
}

TEST(AddressPolicyTest, RefusesEveryNonPublicIpv6Range) {
  for (const char* ip : {
           "::1",                     // loopback
           "::",                      // unspecified
           "fd00::1",                 // unique local
           "fc00::1",                 // unique local
           "fd00:ec2::254",           // a cloud metadata service over IPv6
           "fe80::1",                 // link-local
           "febf::1",                 // link-local
           "fec0::1",                 // site-local
           "ff02::1",                 // multicast
           "::ffff:127.0.0.1",        // IPv4-mapped loopback
           "::ffff:7f00:1",           // the same, written in hex
           "::ffff:10.0.0.1",         // IPv4-mapped private
           "::ffff:169.254.169.254",  // IPv4-mapped metadata
           "::127.0.0.1",             // IPv4-compatible loopback
           "::8.8.8.8",               // IPv4-compatible: deprecated, whatever it carries
           "64:ff9b::7f00:1",         // NAT64 of 127.0.0.1
           "64:ff9b::a9fe:a9fe",      // NAT64 of 169.254.169.254
           "64:ff9b:1::1",            // local-use NAT64
           "2002:7f00:1::1",          // 6to4 of 127.0.0.1
           "2002:c0a8:101::1",        // 6to4 of 192.168.1.1
           "2001::1",                 // Teredo
           "2001:0:4136:e378::1",     // Teredo
           "2001:2::1",               // benchmarking
           "2001:db8::1",             // documentation
           "3fff::1",                 // documentation
           "100::1",                  // discard-only
           "::ffff:0:7f00:1",         // SIIT: outside 2000::/3
           "4000::1",                 // not global unicast
       }) {
    EXPECT_FALSE(IsPublicAddress(ip)) << ip;
    EXPECT_NE(WhyRefused(ip), "") << ip;
  }
}

TEST(AddressPolicyTest, RefusesWhatIsNotAPlainAddress) {
  for (const std::string& ip : std::initializer_list<std::string>{
           "", "localhost", "0x7f.1", "2130706433", "0177.0.0.1", "127.1", "08.8.8.8", "8.8.8.8.", " 8.8.8.8",
           "8.8.8.8 ", "fe80::1%eth0", "[2606:4700::1111]", "2606:4700::1111/64", "1.1.1.256", "::ffff:8.8.8.8.8",
           std::string("8.8.8.8\0", 8), std::string(100, '1')}) {
    EXPECT_FALSE(IsPublicAddress(ip)) << ip;
  }
}

TEST(AddressPolicyTest, SaysWhyAnAddressIsRefused) {
  EXPECT_EQ(WhyRefused("10.0.0.5"), "a private network address (10.0.0.0/8)");
  EXPECT_EQ(WhyRefused("127.0.0.1"), "a loopback address (127.0.0.0/8)");
  EXPECT_NE(WhyRefused("169.254.169.254").find("metadata"), std::string::npos);
  EXPECT_EQ(WhyRefused("::ffff:127.0.0.1"), "an IPv4-mapped address of 127.0.0.1, a loopback address (127.0.0.0/8)");
  EXPECT_EQ(WhyRefused("fd00::1"), "a unique local (private network) address (fc00::/7)");
  EXPECT_EQ(WhyRefused("255.255.255.255"), "the broadcast address (255.255.255.255/32)");
}

TEST(AddressPolicyTest, TheRefusedConnectionMessageNamesHostAddressReasonAndRemedy) {
  EXPECT_EQ(RefusedAddressMessage("tc.internal", "10.0.0.5"),
            "tc.internal resolves to 10.0.0.5, a private network address (10.0.0.0/8): the connection was refused; "
            "the operator must set teamcity.allow_private_networks to allow it");
  EXPECT_EQ(RefusedAddressMessage("[::1]", "::1"),
            "::1 is the loopback address (::1): the connection was refused; the operator must set "
            "teamcity.allow_private_networks to allow it");
  // A guard of its own refused a public address: no advice that would not help.
  EXPECT_EQ(RefusedAddressMessage("example.com", "8.8.8.8"),
            "example.com resolves to 8.8.8.8, an address this service may not connect to: the connection was refused");
}

const UrlPolicy kStrict = UrlPolicy::ForTeamCity(false);
const UrlPolicy kSelfHosted = UrlPolicy::ForTeamCity(true);

TEST(AddressPolicyTest, AllowHttpFollowsAllowPrivateNetworks) {
  EXPECT_FALSE(kStrict.allow_private_networks);
  EXPECT_FALSE(kStrict.allow_http);
  EXPECT_TRUE(kSelfHosted.allow_private_networks);
  EXPECT_TRUE(kSelfHosted.allow_http);
}

TEST(AddressPolicyTest, PublicHttpsUrlsPass) {
  for (const char* url : {"https://teamcity.example.com", "https://tc.example.com:8443/teamcity", "https://8.8.8.8/",
                          "https://[2606:4700::1111]:8111/", "https://build.bücher.example/",
                          "https://tc.example.com./", "https://a-b_c.example.com/app/rest/server?fields=version"}) {
    const auto checked = CheckTeamCityUrl(url, kStrict);
    EXPECT_TRUE(checked.ok()) << url << ": " << checked.error().message;
  }
}

TEST(AddressPolicyTest, HttpsIsRequiredUnlessSelfHosted) {
  const auto checked = CheckTeamCityUrl("http://teamcity.example.com", kStrict);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, "url.https_required");
  EXPECT_NE(checked.error().message.find("teamcity.allow_private_networks"), std::string::npos);
  EXPECT_TRUE(CheckTeamCityUrl("http://teamcity.example.com", kSelfHosted).ok());
  EXPECT_FALSE(
      CheckTeamCityUrl("http://teamcity.example.com", {.allow_private_networks = true, .allow_http = false}).ok());
}

TEST(AddressPolicyTest, UserInfoAndMissingHostsAreRefusedWhateverThePolicy) {
  for (const auto& policy : {kStrict, kSelfHosted}) {
    for (const char* url :
         {"https://user:secret@tc.example.com/", "https://user@tc.example.com", "https://", "https:///app",
          "https://:8111/", "ftp://tc.example.com", "tc.example.com", "https://tc.example.com\\@127.0.0.1/"}) {
      EXPECT_FALSE(CheckTeamCityUrl(url, policy).ok()) << url;
    }
  }
}

TEST(AddressPolicyTest, RefusesPrivateLiteralsAndOddEncodingsUpFront) {
  struct Case {
    const char* url;
    const char* says;  // a part of the message
  };
  for (const auto& c : std::initializer_list<Case>{
           {"https://127.0.0.1/", "TeamCity at 127.0.0.1 is a loopback address"},
           {"https://10.0.0.5:8111/", "TeamCity at 10.0.0.5 is a private network address (10.0.0.0/8)"},
           {"https://192.168.1.1", "private network"},
           {"https://172.16.0.1", "private network"},
           {"https://100.64.0.1", "carrier-grade NAT"},
           {"https://169.254.169.254/latest/meta-data", "metadata"},
           {"https://0.0.0.0", "unspecified"},
           {"https://224.0.0.1", "multicast"},
           {"https://255.255.255.255", "broadcast"},
           {"https://[::1]/", "TeamCity at [::1] is the loopback address"},
           {"https://[fd00::1]", "unique local"},
           {"https://[fe80::1]", "link-local"},
           {"https://[::ffff:127.0.0.1]/", "IPv4-mapped address of 127.0.0.1"},
           {"https://[::ffff:7f00:1]/", "IPv4-mapped address of 127.0.0.1"},
           {"https://[64:ff9b::a9fe:a9fe]/", "NAT64 address of 169.254.169.254"},
           {"https://[2002:a00:1::]/", "6to4 address of 10.0.0.1"},
           {"https://[2001::1]/", "Teredo"},
           {"https://localhost/", "TeamCity at localhost is this machine"},
           {"https://LOCALHOST./", "this machine"},
           {"https://tc.localhost/", "this machine"},
           {"https://0x7f.1/", "TeamCity at 0x7f.1 means 127.0.0.1, a loopback address"},
           {"https://2130706433/", "TeamCity at 2130706433 means 127.0.0.1"},
           {"https://0177.0.0.1/", "TeamCity at 0177.0.0.1 means 127.0.0.1"},
           {"https://127.1/", "TeamCity at 127.1 means 127.0.0.1"},
           {"https://0x7f000001/", "means 127.0.0.1"},
           {"https://0xA9.0xFE.0xA9.0xFE/", "means 169.254.169.254"},
           {"https://10.0.0.5./", "TeamCity at 10.0.0.5. is a private network address"},
           {"https://0/", "means 0.0.0.0"},
           {"https://0x08080808/", "the IPv4 address 8.8.8.8 written in an unusual form; write it as 8.8.8.8"},
           {"https://134744072/", "written in an unusual form"},
           {"https://256.1.1.1/", "not a valid IPv4 address"},
           {"https://1.2.3.4.5/", "not a valid IPv4 address"},
           {"https://08.8.8.8/", "not a valid IPv4 address"},
           {"https://example.0x10/", "not a valid IPv4 address"},
           {"https://[fe80::1%25eth0]/", "not a valid IPv6 address"},
           {"https://%31%32%37.0.0.1/", "characters a host name cannot have"},
       }) {
    const auto checked = CheckTeamCityUrl(c.url, kStrict);
    ASSERT_FALSE(checked.ok()) << c.url;
    EXPECT_EQ(checked.error().kind, core::ErrorKind::invalid_input) << c.url;
    EXPECT_NE(checked.error().message.find(c.says), std::string::npos) << c.url << ": " << checked.error().message;
    EXPECT_EQ(checked.error().message.find("secret"), std::string::npos);
  }
  const auto refused = CheckTeamCityUrl("https://10.0.0.5", kStrict);
  EXPECT_EQ(refused.error().code, "url.private_address");
  EXPECT_EQ(refused.error().message,
            "TeamCity at 10.0.0.5 is a private network address (10.0.0.0/8); the operator must set "
            "teamcity.allow_private_networks to allow it");
}

TEST(AddressPolicyTest, SelfHostedAllowsPrivateAndLoopbackUrls) {
  for (const char* url : {"http://127.0.0.1:8111", "http://localhost:8111/", "http://[::1]/", "https://10.0.0.5",
                          "http://teamcity.corp.internal/", "http://192.168.1.1"}) {
    const auto checked = CheckTeamCityUrl(url, kSelfHosted);
    EXPECT_TRUE(checked.ok()) << url << ": " << checked.error().message;
  }
}

TEST(AddressPolicyTest, TheGuardIsIsPublicAddressOrNothing) {
  const auto strict = AddressGuard(kStrict);
  ASSERT_TRUE(static_cast<bool>(strict));
  EXPECT_FALSE(strict("127.0.0.1"));
  EXPECT_FALSE(strict("::1"));
  EXPECT_TRUE(strict("8.8.8.8"));
  EXPECT_TRUE(strict("2606:4700::1111"));
  EXPECT_FALSE(static_cast<bool>(AddressGuard(kSelfHosted)));
}

}  // namespace
}  // namespace tcj::http
