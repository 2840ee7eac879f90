// Row level security: the promise that one tenant's rows never reach another, even when our own
// SQL forgets its WHERE clause.
#include <gtest/gtest.h>

#include "core/uuid.hpp"
#include "db/error.hpp"
#include "db/transaction.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class RlsTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    // Seeded as the superuser: the runtime role could not insert a row for another tenant.
    auto admin = Connection::Open(AdminSettings());
    for (const auto& t : {a_, b_}) {
      admin->Exec("INSERT INTO tenants (tenant_id, kind, site_url) VALUES ($1, 'connect', $2)",
                  std::array<Param, 2>{Param(t), Param("https://" + t.str() + ".atlassian.net")});
    }
  }

  core::TenantId a_{core::NewUuid()};
  core::TenantId b_{core::NewUuid()};
};

TEST_F(RlsTest, ATenantSeesOnlyItsOwnRowsEvenWithoutWhere) {
  TenantTransaction tx(pool(), a_);
  const Rows rows = tx.Exec("SELECT tenant_id FROM tenants");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].String(0), a_.str());
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM tenants WHERE tenant_id = $1", b_)[0].Int(0), 0);
}

TEST_F(RlsTest, NoTenantSetMeansNoRows) {
  Transaction tx(pool());
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM tenants")[0].Int(0), 0);
  auto conn = Connection::Open(RuntimeSettings());  // not even a transaction
  EXPECT_EQ(conn->Exec("SELECT count(*) FROM tenants")[0].Int(0), 0);
}

TEST_F(RlsTest, WritesToAnotherTenantAreRefusedOrTouchNothing) {
  {
    TenantTransaction tx(pool(), a_);
    EXPECT_EQ(tx.Exec("UPDATE tenants SET display_name = 'x' WHERE tenant_id = $1", b_).affected(), 0u);
    EXPECT_EQ(tx.Exec("DELETE FROM tenants WHERE tenant_id = $1", b_).affected(), 0u);
    EXPECT_EQ(tx.Exec("DELETE FROM tenants WHERE true AND tenant_id <> $1", a_).affected(), 0u);
    tx.Commit();
  }
  {
    TenantTransaction tx(pool(), a_);
    try {
      tx.Exec("INSERT INTO tenants (tenant_id, kind, site_url) VALUES ($1, 'oauth', 'https://x')", core::NewUuid());
      FAIL() << "inserted a row for another tenant";
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbErrorKind::permission_denied);
      EXPECT_NE(std::string(e.what()).find("row-level security"), std::string::npos) << e.what();
    }
  }
  {
    TenantTransaction tx(pool(), a_);
    EXPECT_THROW(tx.Exec("UPDATE tenants SET tenant_id = $1", b_), DbError);
  }
  auto admin = Connection::Open(AdminSettings());
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM tenants")[0].Int(0), 2);
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM tenants WHERE display_name = 'x'")[0].Int(0), 0);
}

TEST_F(RlsTest, RuntimeRoleCannotSwitchRowSecurityOff) {
  auto conn = Connection::Open(RuntimeSettings());
  conn->Exec("SET row_security = off");
  try {
    conn->Exec("SELECT count(*) FROM tenants");
    FAIL() << "row_security = off let the runtime role read a protected table";
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find("row-level security"), std::string::npos) << e.what();
  }
}

TEST_F(RlsTest, TenantSettingEndsWithTheTransaction) {
  Pool one(RuntimeSettings(), PoolOptions{.size = 1});
  {
    TenantTransaction tx(one, a_);
    EXPECT_EQ(tx.Exec("SELECT count(*) FROM tenants")[0].Int(0), 1);
    tx.Commit();
  }
  Transaction tx(one);  // the same pooled connection
  EXPECT_EQ(tx.Exec("SELECT current_setting('app.tenant_id', true)")[0].String(0), "");
  EXPECT_EQ(tx.Exec("SELECT count(*) FROM tenants")[0].Int(0), 0);
}

TEST_F(RlsTest, InterleavedTenantsOnOneConnectionNeverSeeEachOther) {
  Pool one(RuntimeSettings(), PoolOptions{.size = 1});
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 2) {
      Transaction forgetful(one);  // forgot the tenant: sees nothing
      EXPECT_EQ(forgetful.Exec("SELECT count(*) FROM tenants")[0].Int(0), 0);
      continue;
    }
    const core::TenantId& t = i % 3 == 0 ? a_ : b_;
    TenantTransaction tx(one, t);
    const Rows rows = tx.Exec("SELECT tenant_id FROM tenants");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].String(0), t.str());
    if (i % 2 == 0) tx.Commit();  // the others roll back
  }
}

TEST_F(RlsTest, CatalogEveryTenantTableIsForcedAndPolicedAndTheRuntimeRoleOwnsNothing) {
  auto admin = Connection::Open(AdminSettings());
  const Rows tables = admin->Exec(
      "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
      "       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polcmd = '*'),"
      "       pg_get_userbyid(c.relowner)"
      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped"
      " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
      std::array<Param, 1>{schema()});
  ASSERT_GE(tables.size(), 1u);
  for (Row t : tables) {
    SCOPED_TRACE(t.String(0));
    EXPECT_TRUE(t.Bool(1)) << "ROW LEVEL SECURITY not enabled";
    EXPECT_TRUE(t.Bool(2)) << "ROW LEVEL SECURITY not forced";
    EXPECT_GE(t.Int(3), 1) << "no policy for all commands";
    EXPECT_EQ(t.String(4), "tcj_owner");
  }
  const Rows role = admin->Exec("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'tcj_app'");
  ASSERT_EQ(role.size(), 1u);
  EXPECT_FALSE(role[0].Bool(0));
  EXPECT_FALSE(role[0].Bool(1));
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM pg_class WHERE relowner = 'tcj_app'::regrole")[0].Int(0), 0);
  // No view may run with its owner's rights unless it says security_invoker.
  EXPECT_EQ(admin->Exec("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE n.nspname = $1 AND c.relkind = 'v'"
                        "   AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)",
                        std::array<Param, 1>{schema()})[0]
                .Int(0),
            0);
}

TEST_F(RlsTest, RuntimeRoleCannotCreateObjects) {
  auto conn = Connection::Open(RuntimeSettings());
  EXPECT_THROW(conn->Exec("CREATE TABLE sneaky (x int)"), DbError);
}

}  // namespace
}  // namespace tcj::db
