#include "tenants/forge_registry.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <thread>

#include "db/transaction.hpp"
#include "support/store_test.hpp"
#include "tenants/connect_registry.hpp"

namespace tcj::tenants {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCloud = "b3a1c2d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kFirst = "ari:cloud:ecosystem::installation/11111111-1111-4111-8111-111111111111";
constexpr const char* kSecond = "ari:cloud:ecosystem::installation/22222222-2222-4222-8222-222222222222";

ForgeInstallation Installation(const std::string& id, const std::string& cloud = kCloud) {
  return {id,
          cloud,
          "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d",
          "PRODUCTION",
          "env-1",
          "https://api.atlassian.com/ex/jira/" + cloud,
          "https://acme.atlassian.net"};
}

class ForgeRegistryTest : public testing::StoreTest {
 protected:
  std::string Column(const std::string& sql, const core::TenantId& tenant) {
    auto admin = db::Connection::Open(AdminSettings());
    const db::Param p(tenant);
    return admin->Exec(sql, std::span(&p, 1))[0].String(0);
  }

  core::ManualClock clock_{core::Clock::TimePoint(std::chrono::seconds(1'800'000'000))};
  ForgeRegistry registry_{pool(), box_, clock_};
};

TEST_F(ForgeRegistryTest, AnInstallMakesAForgeSiteAndIsIdempotent) {
  const auto first = registry_.Install(Installation(kFirst));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(first.moved_from.has_value());
  EXPECT_FALSE(first.resend_from.has_value()) << "a new site has nothing to send again";
  const auto again = registry_.Install(Installation(kFirst));  // a retried event
  EXPECT_EQ(again.tenant, first.tenant);
  EXPECT_FALSE(again.created);
  const auto found = registry_.Find(kFirst);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->tenant, first.tenant);
  EXPECT_EQ(found->state, "active");
  const auto record = tenants_.Get(first.tenant);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->kind, TenantKind::forge);
  EXPECT_EQ(record->cloud_id, kCloud);
  EXPECT_EQ(record->site_url, "https://acme.atlassian.net");
  EXPECT_EQ(registry_.Find("ari:cloud:ecosystem::installation/unknown"), nullptr);
}

TEST_F(ForgeRegistryTest, AReinstallWithANewInstallationIdKeepsTheSiteAndItsServers) {
  const auto first = registry_.Install(Installation(kFirst));
  ASSERT_TRUE(servers_.Create(first.tenant, "main", "https://tc.example.com", {}).ok());
  const auto left = registry_.Uninstall(kFirst);
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(left->site_uninstalled);
  EXPECT_EQ(tenants_.Get(first.tenant)->state, "uninstalled");
  const auto second = registry_.Install(Installation(kSecond));
  EXPECT_EQ(second.tenant, first.tenant);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.resend_from, "none") << "Jira dropped what the old installation sent";
  EXPECT_EQ(registry_.Install(Installation(kSecond)).resend_from, "none") << "said again until queued";
  registry_.ResendQueued(second.tenant, kSecond);
  EXPECT_FALSE(registry_.Install(Installation(kSecond)).resend_from.has_value());
  EXPECT_EQ(tenants_.Get(first.tenant)->state, "active");
  EXPECT_EQ(servers_.List(first.tenant).size(), 1u) << "the configuration survives the reinstall";
  EXPECT_EQ(registry_.Find(kFirst)->state, "uninstalled");
  EXPECT_EQ(registry_.Find(kSecond)->state, "active");
}

TEST_F(ForgeRegistryTest, TwoInstallationsOfOneSiteArrivingAtOnceMakeOneSite) {
  // Two first installations of the same cloud id at the same moment both find no site; the
  // database's one-Forge-site-per-cloud-id rule makes the second join the first's.
  for (int round = 0; round < 20; ++round) {
    const std::string cloud =
        "c0ffee00-0000-4000-8000-" + std::string(10, '0') + (round < 10 ? "0" : "") + std::to_string(round);
    const std::string a = "ari:cloud:ecosystem::installation/aaaaaaaa-0000-4000-8000-0000000000" +
                          std::string(round < 10 ? "0" : "") + std::to_string(round);
    const std::string b = "ari:cloud:ecosystem::installation/bbbbbbbb-0000-4000-8000-0000000000" +
                          std::string(round < 10 ? "0" : "") + std::to_string(round);
    ForgeInstallOutcome first;
    std::exception_ptr failed;
    std::thread other([&] {
      try {
        first = registry_.Install(Installation(a, cloud));
      } catch (...) {
        failed = std::current_exception();  // rethrown below: a throw here would end the test binary
      }
    });
    const ForgeInstallOutcome second = registry_.Install(Installation(b, cloud));
    other.join();
    if (failed) std::rethrow_exception(failed);
    ASSERT_EQ(first.tenant, second.tenant) << "round " << round;
    EXPECT_NE(first.created, second.created) << "round " << round << ": exactly one made the site";
  }
}

TEST_F(ForgeRegistryTest, AnOAuthSiteMovesToForgeKeepingItsConfiguration) {
  auto oauth = tenants_.CreateOAuthSite({"https://acme.atlassian.net", kCloud, "client", core::Secret("s3cret")});
  ASSERT_TRUE(oauth.ok()) << oauth.error().message;
  ASSERT_TRUE(servers_.Create(oauth->id, "main", "https://tc.example.com", {}).ok());
  const auto moved = registry_.Install(Installation(kFirst));
  EXPECT_EQ(moved.tenant, oauth->id);
  EXPECT_FALSE(moved.created);
  ASSERT_TRUE(moved.moved_from.has_value());
  EXPECT_EQ(*moved.moved_from, TenantKind::oauth);
  EXPECT_EQ(moved.resend_from, "oauth");
  EXPECT_EQ(tenants_.Get(oauth->id)->kind, TenantKind::forge) << "the active link is Forge now";
  EXPECT_EQ(servers_.List(oauth->id).size(), 1u);
}

TEST_F(ForgeRegistryTest, AnotherSiteIsAnotherTenant) {
  const auto a = registry_.Install(Installation(kFirst));
  const auto b = registry_.Install(Installation(kSecond, "c0ffee00-0000-4000-8000-000000000000"));
  EXPECT_NE(a.tenant, b.tenant);
  EXPECT_TRUE(b.created);
}

TEST_F(ForgeRegistryTest, TheFreshestSystemTokenIsKeptSealedAndHandedOutWhileValid) {
  const auto site = registry_.Install(Installation(kFirst));
  const auto now = clock_.Now();
  EXPECT_TRUE(registry_.StoreSystemToken(site.tenant, kFirst, core::Secret("token-two-hours"), now + 2h));
  EXPECT_FALSE(registry_.StoreSystemToken(site.tenant, kFirst, core::Secret("token-older"), now + 1h))
      << "an older token never replaces a fresher one";
  EXPECT_TRUE(registry_.StoreSystemToken(site.tenant, kFirst, core::Secret("token-four-hours"), now + 4h));
  auto token = registry_.SystemToken(site.tenant);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->token.reveal(), "token-four-hours");
  EXPECT_EQ(token->api_base_url, std::string("https://api.atlassian.com/ex/jira/") + kCloud);
  EXPECT_EQ(token->expires, now + 4h);
  // Stored sealed: the clear text is nowhere in the row.
  EXPECT_EQ(Column("SELECT position('token-four-hours'::bytea IN system_token)::text FROM forge_installations "
                   "WHERE tenant_id = $1",
                   site.tenant),
            "0");
  // Not handed out in its last minute, nor after.
  clock_.Advance(4h - 59s);
  const auto late = registry_.SystemToken(site.tenant);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "forge.no_token");
  EXPECT_NE(late.error().message.find("waits"), std::string::npos);
}

TEST_F(ForgeRegistryTest, ARefusedTokenIsDroppedUnlessAFresherOneReplacedItAndTheExpiryIsReported) {
  const auto site = registry_.Install(Installation(kFirst));
  const auto now = clock_.Now();
  EXPECT_FALSE(registry_.SystemTokenExpiry(site.tenant).has_value());
  ASSERT_TRUE(registry_.OfferSystemToken(site.tenant, kFirst, core::Secret("t1"), now + 2h));
  EXPECT_FALSE(registry_.OfferSystemToken(site.tenant, kFirst, core::Secret("t1"), now + 2h)) << "known already";
  EXPECT_EQ(registry_.SystemTokenExpiry(site.tenant), now + 2h);
  ASSERT_TRUE(registry_.OfferSystemToken(site.tenant, kFirst, core::Secret("t2"), now + 3h));
  const auto held = registry_.SystemToken(site.tenant);
  ASSERT_TRUE(held.ok());
  tenants::ForgeSystemToken stale{held->record_id, core::Secret(), "", now + 2h};
  EXPECT_FALSE(registry_.DiscardSystemToken(site.tenant, stale)) << "a fresher token replaced the refused one";
  EXPECT_EQ(registry_.SystemToken(site.tenant)->token.reveal(), "t2");
  EXPECT_TRUE(registry_.DiscardSystemToken(site.tenant, *held));
  EXPECT_FALSE(registry_.SystemTokenExpiry(site.tenant).has_value());
  EXPECT_EQ(registry_.SystemToken(site.tenant).error().code, "forge.no_token");
  EXPECT_TRUE(registry_.OfferSystemToken(site.tenant, kFirst, core::Secret("t2"), now + 3h))
      << "after a refusal, the next token Forge hands over is stored again";
}

TEST_F(ForgeRegistryTest, AnUninstalledInstallationKeepsNoTokenAndTakesNoneEither) {
  const auto site = registry_.Install(Installation(kFirst));
  ASSERT_TRUE(registry_.StoreSystemToken(site.tenant, kFirst, core::Secret("t"), clock_.Now() + 2h));
  ASSERT_TRUE(registry_.Uninstall(kFirst).has_value());
  EXPECT_FALSE(registry_.SystemToken(site.tenant).ok());
  EXPECT_FALSE(registry_.StoreSystemToken(site.tenant, kFirst, core::Secret("t2"), clock_.Now() + 3h));
  EXPECT_EQ(Column("SELECT count(*)::text FROM forge_installations WHERE tenant_id = $1 AND system_token IS NULL",
                   site.tenant),
            "1");
  EXPECT_FALSE(registry_.Uninstall("ari:cloud:ecosystem::installation/unknown").has_value());
}

TEST_F(ForgeRegistryTest, AnotherSitesTokenIsOutOfReach) {
  const auto a = registry_.Install(Installation(kFirst));
  const auto b = registry_.Install(Installation(kSecond, "c0ffee00-0000-4000-8000-000000000000"));
  ASSERT_TRUE(registry_.StoreSystemToken(a.tenant, kFirst, core::Secret("a-token"), clock_.Now() + 2h));
  EXPECT_FALSE(registry_.StoreSystemToken(b.tenant, kFirst, core::Secret("b-writes-a"), clock_.Now() + 3h))
      << "row level security: b cannot touch a's installation";
  EXPECT_FALSE(registry_.SystemToken(b.tenant).ok());
  EXPECT_EQ(registry_.SystemToken(a.tenant)->token.reveal(), "a-token");
}

TEST_F(ForgeRegistryTest, AConnectUninstallAfterTheMoveLeavesTheForgeSiteAlone) {
  // A Connect site with the same cloud id: connect sites record no cloud id, so it joins by the
  // tenant row an operator linked (here: set directly), then the old Connect app is uninstalled.
  const auto site = registry_.Install(Installation(kFirst));
  auto admin = db::Connection::Open(AdminSettings());
  const db::Param p(site.tenant);
  admin->Exec("UPDATE tenants SET client_key = 'client-a', connect_shared_secret = '\\x00' WHERE tenant_id = $1",
              std::span(&p, 1));
  ConnectRegistry connect(pool(), box_, clock_);
  EXPECT_TRUE(connect.SetEnabled("client-a", false));
  EXPECT_FALSE(connect.Uninstall("client-a")) << "nothing uninstalled: no work of the site may stop";
  EXPECT_EQ(tenants_.Get(site.tenant)->state, "active") << "neither uninstalled nor disabled through Connect";
  EXPECT_EQ(Column("SELECT (connect_shared_secret IS NULL)::text FROM tenants WHERE tenant_id = $1", site.tenant),
            "true")
      << "what the uninstalled Connect app signs is accepted no more";
}

// The Forge app made its own site before a Connect site of the same Jira learnt its cloud id:
// a reinstall joins the Forge site (one Forge site per cloud id), not the Connect one.
TEST_F(ForgeRegistryTest, AReinstallJoinsTheForgeSiteOfItsCloudIdBeforeAConnectSiteOfIt) {
  const auto forge = registry_.Install(Installation(kFirst));
  const auto connect = tenants_.Create(TenantKind::connect, "https://acme.atlassian.net", "Acme").id;
  tenants_.RecordCloudId(connect, std::string(kCloud));
  ASSERT_TRUE(registry_.Uninstall(kFirst).has_value());
  const auto again = registry_.Install(Installation(kSecond));
  EXPECT_EQ(again.tenant, forge.tenant);
  EXPECT_EQ(tenants_.Get(connect)->kind, TenantKind::connect) << "the Connect site is left as it was";
}

}  // namespace
}  // namespace tcj::tenants
