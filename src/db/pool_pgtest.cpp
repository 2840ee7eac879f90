// The pool after the server it leads to goes away or stops taking writes (issue 18's failover):
// no connection the server hung up on is lent out, one lost connection retires its idle siblings,
// and a read-only server is left rather than kept.
#include "db/pool.hpp"

#include <gtest/gtest.h>

#include <array>

#include "core/metrics.hpp"
#include "db/error.hpp"
#include "support/pg_test.hpp"

namespace tcj::db {
namespace {

class PoolTest : public testing::PgTest {
 protected:
  // Ends a session from outside, as a failover or an administrator does.
  void Terminate(int backend_pid) {
    auto admin = Connection::Open(AdminSettings());
    admin->Exec("SELECT pg_terminate_backend($1, 5000)", std::array<Param, 1>{std::to_string(backend_pid)});
  }

  core::MetricsRegistry registry_;
  PoolMetrics metrics_{registry_};
};

TEST_F(PoolTest, AnIdleConnectionTheServerHungUpOnIsNeverLentOut) {
  Pool pool(RuntimeSettings(), PoolOptions{.size = 2}, &metrics_);
  int first = 0;
  {
    auto lease = pool.Acquire();
    first = lease->backend_pid();
  }
  Terminate(first);

  auto lease = pool.Acquire();
  EXPECT_NE(lease->backend_pid(), first);
  EXPECT_EQ(lease->Exec("SELECT 1")[0].Int(0), 1) << "the first statement after the hang-up must work";
  EXPECT_EQ(metrics_.connects.value(), 2);
}

TEST_F(PoolTest, OneConnectionLostRetiresEveryIdleOne) {
  Pool pool(RuntimeSettings(), PoolOptions{.size = 3}, &metrics_);
  int idle_pid = 0;
  {
    auto broken = pool.Acquire();
    {
      auto sibling = pool.Acquire();
      idle_pid = sibling->backend_pid();
    }
    Terminate(broken->backend_pid());
    try {
      broken->Exec("SELECT 1");
      FAIL() << "a terminated session answered";
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbErrorKind::connection);
    }
  }
  EXPECT_EQ(metrics_.connections_open.value(), 0) << "the idle sibling leads to the same server";

  auto lease = pool.Acquire();
  EXPECT_NE(lease->backend_pid(), idle_pid);
  EXPECT_EQ(metrics_.connects.value(), 3);
}

// A primary being demoted, or a standby reached by mistake: the write fails as retryable, and the
// pool keeps no connection to that server, so the next attempt connects afresh.
TEST_F(PoolTest, AServerThatTakesNoWritesIsLeft) {
  const ConnectionSettings read_only =
      RuntimeSettings().With("options", "-c search_path=" + schema() + " -c default_transaction_read_only=on");
  Pool pool(read_only, PoolOptions{.size = 2}, &metrics_);
  {
    auto lease = pool.Acquire();
    EXPECT_TRUE(lease->read_only());
    try {
      lease->Exec("INSERT INTO tenants (tenant_id, kind, site_url) VALUES (gen_random_uuid(), 'oauth', 'https://x')");
      FAIL() << "a read-only session took a write";
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbErrorKind::read_only) << e.sqlstate() << " " << e.what();
      EXPECT_TRUE(e.retryable());
    }
    EXPECT_FALSE(lease->healthy());
  }
  EXPECT_EQ(metrics_.connections_open.value(), 0);
}

TEST_F(PoolTest, AWritableServerKeepsItsConnections) {
  Pool pool(RuntimeSettings(), PoolOptions{.size = 2}, &metrics_);
  int pid = 0;
  {
    auto lease = pool.Acquire();
    EXPECT_FALSE(lease->read_only());
    pid = lease->backend_pid();
  }
  EXPECT_EQ(pool.Acquire()->backend_pid(), pid);
  EXPECT_EQ(metrics_.connects.value(), 1);
}

}  // namespace
}  // namespace tcj::db
