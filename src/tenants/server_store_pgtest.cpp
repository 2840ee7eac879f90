#include "tenants/server_store.hpp"

#include <gtest/gtest.h>

#include "db/connection.hpp"
#include "support/capture_sink.hpp"
#include "support/store_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::tenants {
namespace {

class ServerStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    a_ = tenants_.Create(TenantKind::oauth, "https://a.atlassian.net", "A").id;
    b_ = tenants_.Create(TenantKind::oauth, "https://b.atlassian.net", "B").id;
  }

  TeamCityCredentials Token(const std::string& value) {
    TeamCityCredentials c;
    c.kind = TeamCityAuthKind::token;
    c.token = core::Secret(value);
    return c;
  }

  core::TenantId a_;
  core::TenantId b_;
};

TEST_F(ServerStoreTest, StoresAndReadsCredentials) {
  auto created = servers_.Create(a_, "main", "https://tc.example.com", Token("tok-123"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto creds = servers_.Credentials(a_, created->id);
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->kind, TeamCityAuthKind::token);
  EXPECT_EQ(creds->token.reveal(), "tok-123");

  TeamCityCredentials basic;
  basic.kind = TeamCityAuthKind::basic;
  basic.username = "ci-bot";
  basic.password = core::Secret("p\"ass\\word");
  auto second = servers_.Create(a_, "second", "https://tc2.example.com", basic);
  ASSERT_TRUE(second.ok());
  auto back = servers_.Credentials(a_, second->id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->username, "ci-bot");
  EXPECT_EQ(back->password.reveal(), "p\"ass\\word");
  EXPECT_EQ(servers_.List(a_).size(), 2u);
}

TEST_F(ServerStoreTest, AnotherTenantsServerIsNotFound) {
  auto created = servers_.Create(a_, "main", "https://tc.example.com", Token("tok"));
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(servers_.Get(b_, created->id).has_value());
  EXPECT_EQ(servers_.Credentials(b_, created->id).error().kind, core::ErrorKind::not_found);
  EXPECT_FALSE(servers_.Delete(b_, created->id));
  EXPECT_TRUE(servers_.List(b_).empty());
  EXPECT_FALSE(servers_.Get(a_, core::ServerId("not-a-uuid")).has_value());
}

TEST_F(ServerStoreTest, ACredentialCopiedToAnotherTenantsRowCannotBeOpened) {
  auto in_a = servers_.Create(a_, "main", "https://tc.example.com", Token("tenant-a-token"));
  auto in_b = servers_.Create(b_, "main", "https://tc.example.com", Token("tenant-b-token"));
  ASSERT_TRUE(in_a.ok() && in_b.ok());
  // An attacker with write access to the database copies A's ciphertext into B's row.
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec(
      "UPDATE teamcity_servers SET credentials = (SELECT credentials FROM teamcity_servers WHERE server_id = $1) "
      "WHERE server_id = $2",
      std::array<db::Param, 2>{db::Param(in_a->id), db::Param(in_b->id)});
  auto stolen = servers_.Credentials(b_, in_b->id);
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().code, "secrets.unavailable");
  EXPECT_EQ(stolen.error().message.find("tenant-a-token"), std::string::npos);
  EXPECT_TRUE(servers_.Credentials(a_, in_a->id).ok());  // A still works
  EXPECT_NE(metrics_registry_.RenderPrometheus().find("secrets_decrypt_failures_total{reason=\"unwrap_failed\"} 1"),
            std::string::npos);
  EXPECT_NE(sink_->all().find("secrets.decrypt_failed"), std::string::npos);
}

TEST_F(ServerStoreTest, PointingTheRowAtAnotherServerLocksTheCredential) {
  auto created = servers_.Create(a_, "main", "https://tc.example.com", Token("tok"));
  ASSERT_TRUE(created.ok());
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec("UPDATE teamcity_servers SET url = 'https://evil.example.net'");
  EXPECT_FALSE(servers_.Credentials(a_, created->id).ok());
}

TEST_F(ServerStoreTest, ANewUrlNeedsNewCredentials) {
  auto created = servers_.Create(a_, "main", "https://tc.example.com", Token("tok"));
  ASSERT_TRUE(created.ok());
  auto refused = servers_.Update(a_, created->id, ServerChange{.url = "https://other.example.com"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "servers.credentials_required");
  auto renamed = servers_.Update(a_, created->id, ServerChange{.name = "renamed"});
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->name, "renamed");
  auto moved = servers_.Update(a_, created->id, ServerChange{.url = "https://other.example.com", .credentials = Token("new")});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(servers_.Credentials(a_, created->id)->token.reveal(), "new");
}

TEST_F(ServerStoreTest, NamesAreUniquePerTenant) {
  ASSERT_TRUE(servers_.Create(a_, "main", "https://tc.example.com", Token("x")).ok());
  auto dup = servers_.Create(a_, "main", "https://tc2.example.com", Token("y"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, core::ErrorKind::conflict);
  EXPECT_TRUE(servers_.Create(b_, "main", "https://tc.example.com", Token("z")).ok());  // another tenant may
}

TEST_F(ServerStoreTest, TenantJiraSecretsAreSealedPerTenant) {
  tenants_.SetJiraSecret(a_, kOAuthClientSecret, core::Secret("client-secret-a"));
  EXPECT_EQ(tenants_.JiraSecret(a_, kOAuthClientSecret)->reveal(), "client-secret-a");
  EXPECT_EQ(tenants_.JiraSecret(a_, kConnectSharedSecret).error().code, "tenants.no_secret");
  auto admin = db::Connection::Open(AdminSettings());
  admin->Exec("UPDATE tenants SET oauth_client_secret = (SELECT oauth_client_secret FROM tenants WHERE tenant_id = $1)",
              std::array<db::Param, 1>{db::Param(a_)});
  EXPECT_FALSE(tenants_.JiraSecret(b_, kOAuthClientSecret).ok());
  // The same bytes in another column (another purpose) do not open either.
  admin->Exec("UPDATE tenants SET connect_shared_secret = oauth_client_secret WHERE tenant_id = $1",
              std::array<db::Param, 1>{db::Param(a_)});
  EXPECT_FALSE(tenants_.JiraSecret(a_, kConnectSharedSecret).ok());
}

}  // namespace
}  // namespace tcj::tenants
