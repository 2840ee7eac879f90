#include "db/transaction.hpp"

#include <gtest/gtest.h>

#include "core/uuid.hpp"
#include "db/error.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class TransactionTest : public testing::PgTest {
 protected:
  core::TenantId tenant_{core::NewUuid()};

  void Insert(TenantTransaction& tx, const std::string& site) {
    tx.Exec("INSERT INTO tenants (tenant_id, kind, site_url) VALUES ($1, 'oauth', $2)", tenant_, site);
  }
  std::int64_t Count() {
    TenantTransaction tx(pool(), tenant_);
    return tx.Exec("SELECT count(*) FROM tenants")[0].Int(0);
  }
};

TEST_F(TransactionTest, RollsBackUnlessCommitted) {
  {
    TenantTransaction tx(pool(), tenant_);
    Insert(tx, "https://a.example");
  }
  EXPECT_EQ(Count(), 0);
  {
    TenantTransaction tx(pool(), tenant_);
    Insert(tx, "https://a.example");
    tx.Commit();
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(TransactionTest, ErrorsAreClassifiedAndTheConnectionIsReusable) {
  {
    TenantTransaction tx(pool(), tenant_);
    Insert(tx, "https://a.example");
    tx.Commit();
  }
  try {
    TenantTransaction tx(pool(), tenant_);
    Insert(tx, "https://b.example");
    FAIL() << "duplicate primary key accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbErrorKind::unique_violation);
    EXPECT_EQ(e.sqlstate(), "23505");
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(TransactionTest, CommitAfterAFailedStatementThrows) {
  TenantTransaction tx(pool(), tenant_);
  EXPECT_THROW(tx.Exec("SELECT 1/0"), DbError);
  EXPECT_THROW(tx.Commit(), DbError);
}

// BEGIN, the tenant, the statement and COMMIT travel together; row level security holds for the
// very first statement, and a failure leaves nothing behind and the connection usable.
TEST_F(TransactionTest, AOneStatementTransactionIsSentWholeAndKeepsTheTenantRules) {
  {
    TenantTransaction tx(pool(), tenant_);
    EXPECT_EQ(
        tx.ExecAndCommit("INSERT INTO tenants (tenant_id, kind, site_url) VALUES ($1, 'oauth', 'https://a.example') "
                         "RETURNING tenant_id",
                         tenant_)
            .size(),
        1U);
  }
  EXPECT_EQ(Count(), 1) << "committed";
  {
    TenantTransaction other(pool(), core::TenantId(core::NewUuid()));
    EXPECT_EQ(other.ExecAndCommit("SELECT count(*) FROM tenants")[0].Int(0), 0) << "another tenant sees nothing";
  }
  {
    TenantTransaction tx(pool(), tenant_);
    try {
      tx.ExecAndCommit("INSERT INTO tenants (tenant_id, kind, site_url) VALUES ($1, 'no-such-kind', 'x')", tenant_);
      ADD_FAILURE() << "the check constraint should have refused it";
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbErrorKind::constraint_violation) << e.what();
    }
  }
  {
    TenantTransaction tx(pool(), tenant_);
    EXPECT_EQ(tx.ExecAndCommit("SELECT count(*) FROM tenants")[0].Int(0), 1) << "the connection works again";
  }
}

TEST_F(TransactionTest, ATransactionThatSentNothingCommitsNothingAndHoldsNoLock) {
  for (int i = 0; i < 20; ++i) {
    TenantTransaction tx(pool(), tenant_);
    tx.Commit();
  }
  for (int i = 0; i < 20; ++i) TenantTransaction tx(pool(), tenant_);  // and rolled back: nothing to roll back
  EXPECT_EQ(Count(), 0);
}

TEST_F(TransactionTest, ParametersAreNeverInterpolated) {
  TenantTransaction tx(pool(), tenant_);
  const std::string hostile = "x'); DROP TABLE tenants; --";
  Insert(tx, hostile);
  EXPECT_EQ(tx.Exec("SELECT site_url FROM tenants")[0].String(0), hostile);
  const Rows r =
      tx.Exec("SELECT $1::bytea, $2::bigint, $3::text IS NULL, $4::boolean", Param::Bytes(std::string("\0\xff", 2)),
              static_cast<long long>(1) << 40, std::optional<std::string>{}, true);
  EXPECT_EQ(r[0].Bytes(0), std::string("\0\xff", 2));
  EXPECT_EQ(r[0].Int(1), 1LL << 40);
  EXPECT_TRUE(r[0].Bool(2));
  EXPECT_TRUE(r[0].Bool(3));
}

TEST_F(TransactionTest, ArraysArriveElementByElementWhateverTheyHold) {
  TenantTransaction tx(pool(), tenant_);
  const std::vector<std::string> texts = {"ABC-1", "", "NULL", "a,b", "{x}", "q\"uote", "back\\slash", " space ", "ü"};
  const Rows unnested = tx.Exec("SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i", texts);
  ASSERT_EQ(unnested.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_FALSE(unnested[i].IsNull(0)) << texts[i];
    EXPECT_EQ(unnested[i].String(0), texts[i]);
  }
  const std::vector<std::int64_t> ids = {-1, 0, std::int64_t{1} << 62};
  EXPECT_EQ(tx.Exec("SELECT cardinality($1::bigint[]), 0 = ANY($1::bigint[]), 7 = ANY($1::bigint[])", ids)[0].Int(0),
            3);
  EXPECT_EQ(tx.Exec("SELECT cardinality($1::text[]), cardinality($2::bigint[])", std::vector<std::string>{},
                    std::vector<std::int64_t>{})[0]
                .Int(0),
            0);
}

TEST_F(TransactionTest, PoolGivesUpWhenExhausted) {
  Pool tiny(RuntimeSettings(), PoolOptions{.size = 1, .acquire_timeout = std::chrono::milliseconds(50)});
  auto held = tiny.Acquire();
  try {
    auto second = tiny.Acquire();
    FAIL() << "a pool of one lent two connections";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbErrorKind::pool_exhausted);
  }
}

TEST_F(TransactionTest, UnreachableDatabaseIsAConnectionError) {
  Pool nowhere(ConnectionSettings::FromUrl("host=/nonexistent-socket-dir port=1 user=x dbname=x connect_timeout=1"),
               PoolOptions{.size = 1});
  try {
    Transaction tx(nowhere);
    FAIL() << "connected to nothing";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbErrorKind::connection);
    EXPECT_TRUE(e.retryable());
  }
}

}  // namespace
}  // namespace tcj::db
