#include "db/error.hpp"

#include <gtest/gtest.h>

namespace tcj::db {
namespace {

TEST(ClassifySqlState, ConnectionClassesAndTheOthers) {
  EXPECT_EQ(ClassifySqlState("08006"), DbErrorKind::connection);
  EXPECT_EQ(ClassifySqlState("57P01"), DbErrorKind::connection);  // admin shutdown
  EXPECT_EQ(ClassifySqlState("57P03"), DbErrorKind::connection);  // cannot connect now
  EXPECT_EQ(ClassifySqlState("23505"), DbErrorKind::unique_violation);
  EXPECT_EQ(ClassifySqlState("42501"), DbErrorKind::permission_denied);
  EXPECT_EQ(ClassifySqlState("40001"), DbErrorKind::serialization);
  EXPECT_EQ(ClassifySqlState("XX000"), DbErrorKind::other);
}

// A write on a standby, or on a primary set read-only while a failover demotes it: the work can
// be retried once the pool has found the new primary, and no connection to that server is kept.
TEST(ClassifySqlState, AReadOnlyServerIsAPlaceToLeave) {
  EXPECT_EQ(ClassifySqlState("25006"), DbErrorKind::read_only);
  EXPECT_TRUE(DbError(DbErrorKind::read_only, "25006", "cannot execute INSERT in a read-only transaction").retryable());
  EXPECT_TRUE(LeadsNowhere(DbErrorKind::read_only));
  EXPECT_TRUE(LeadsNowhere(DbErrorKind::connection));
  EXPECT_FALSE(LeadsNowhere(DbErrorKind::serialization));
  EXPECT_FALSE(LeadsNowhere(DbErrorKind::unique_violation));
}

// The path FaultsE2E.PostgreSQLCrashMidBackfill... found: PostgreSQL stopped, the send of a
// pooled connection's next statement fails, libpq says "server closed the connection
// unexpectedly" without a SQLSTATE and still reports CONNECTION_OK. That is an outage (503, a
// retry), not an internal error.
TEST(ClassifyFailure, AFailureWithoutSqlStateIsTheConnection) {
  EXPECT_EQ(ClassifyFailure("", true), DbErrorKind::connection);
  EXPECT_TRUE(DbError(ClassifyFailure("", true), "", "server closed the connection unexpectedly").retryable());
  EXPECT_EQ(ClassifyFailure("23505", false), DbErrorKind::connection) << "a broken connection, whatever was said";
  EXPECT_EQ(ClassifyFailure("23505", true), DbErrorKind::unique_violation);
  EXPECT_EQ(ClassifyFailure("XX000", true), DbErrorKind::other);
}

}  // namespace
}  // namespace tcj::db
