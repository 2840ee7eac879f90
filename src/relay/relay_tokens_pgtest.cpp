#include "relay/relay_tokens.hpp"

#include <gtest/gtest.h>

#include "db/transaction.hpp"
#include "support/store_test.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::relay {
namespace {

using tenants::TeamCityAuthKind;
using tenants::TeamCityCredentials;
using tenants::TenantKind;

class RelayTokensTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(TenantKind::oauth, "https://a.atlassian.net", "A").id;
    b_ = tenants_.Create(TenantKind::oauth, "https://b.atlassian.net", "B").id;
    relayed_ = Server(a_, "inside", TeamCityAuthKind::relay);
  }

  core::ServerId Server(const core::TenantId& tenant, const std::string& name, TeamCityAuthKind kind) {
    TeamCityCredentials c;
    c.kind = kind;
    if (kind == TeamCityAuthKind::token) c.token = core::Secret("tok");
    auto created = servers_.Create(tenant, name, "https://tc.example.internal/" + name, c);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created->id;
  }

  core::TenantId a_;
  core::TenantId b_;
  core::ServerId relayed_;
  RelayTokens tokens_{pool()};
};

TEST_F(RelayTokensTest, ATokenOpensItsServerOfItsTenantOnlyAndIsStoredAsAHash) {
  const auto token = tokens_.Issue(a_, relayed_);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_TRUE(token->reveal().starts_with("tcjr_"));
  const auto link = tokens_.Authenticate(token->reveal());
  ASSERT_TRUE(link);
  EXPECT_EQ(link->tenant, a_);
  EXPECT_EQ(link->server, relayed_);

  db::TenantTransaction tx(pool(), a_);
  const auto rows = tx.Exec("SELECT token_hash FROM relay_tokens WHERE tenant_id = $1", a_);
  tx.Commit();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].String(0).find(std::string(token->reveal())), std::string::npos);
  EXPECT_EQ(rows[0].String(0).size(), 64U);  // SHA-256, hex

  // Another tenant cannot issue or revoke it, nor see it.
  EXPECT_EQ(tokens_.Issue(b_, relayed_).error().kind, core::ErrorKind::not_found);
  EXPECT_FALSE(tokens_.Revoke(b_, relayed_));
  EXPECT_FALSE(tokens_.Status(b_, relayed_).token);
  EXPECT_TRUE(tokens_.Status(a_, relayed_).token);
}

TEST_F(RelayTokensTest, RotationAndRevocationEndTheOldToken) {
  const auto first = tokens_.Issue(a_, relayed_);
  ASSERT_TRUE(tokens_.Authenticate(first->reveal()));
  const auto second = tokens_.Issue(a_, relayed_);
  EXPECT_FALSE(tokens_.Authenticate(first->reveal()));
  ASSERT_TRUE(tokens_.Authenticate(second->reveal()));
  EXPECT_TRUE(tokens_.Revoke(a_, relayed_));
  EXPECT_FALSE(tokens_.Authenticate(second->reveal()));
  EXPECT_FALSE(tokens_.Revoke(a_, relayed_));
  EXPECT_FALSE(tokens_.Status(a_, relayed_).token);
}

TEST_F(RelayTokensTest, OnlyRelayServersGetTokensAndForgedOnesOpenNothing) {
  const auto direct = Server(a_, "direct", TeamCityAuthKind::token);
  const auto refused = tokens_.Issue(a_, direct);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "relay.not_a_relay_server");
  EXPECT_EQ(tokens_.Issue(a_, core::ServerId("not-a-uuid")).error().kind, core::ErrorKind::not_found);
  for (const std::string& forged :
       std::vector<std::string>{"", "tcjr_", "tcjr_AAAA", "tcj_admin", std::string(500, 'x')}) {
    EXPECT_FALSE(tokens_.Authenticate(forged)) << forged;
  }
}

TEST_F(RelayTokensTest, AServerSwitchedToDirectOrRemovedOrAnUninstalledSiteClosesItsRelay) {
  const auto token = tokens_.Issue(a_, relayed_);
  ASSERT_TRUE(tokens_.Authenticate(token->reveal()));
  {
    db::TenantTransaction tx(pool(), a_);
    tx.Exec("UPDATE teamcity_servers SET deleting = true WHERE server_id = $1", relayed_);
    tx.Commit();
  }
  EXPECT_FALSE(tokens_.Authenticate(token->reveal()));
  {
    db::TenantTransaction tx(pool(), a_);
    tx.Exec("UPDATE teamcity_servers SET deleting = false WHERE server_id = $1", relayed_);
    tx.Commit();
  }
  EXPECT_TRUE(tokens_.Authenticate(token->reveal()));
  ASSERT_TRUE(tenants_.MarkUninstalled(a_));
  EXPECT_FALSE(tokens_.Authenticate(token->reveal()));
}

TEST_F(RelayTokensTest, TheStateOfARelayThatNeverConnectedSaysSo) {
  const RelayStatus status = tokens_.Status(a_, relayed_);
  EXPECT_FALSE(status.connected);
  EXPECT_TRUE(status.connected_since.empty());
  EXPECT_EQ(status.requests, 0);
}

}  // namespace
}  // namespace tcj::relay
