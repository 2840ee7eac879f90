// Test support: a fresh schema per test in the throwaway PostgreSQL that `make test` starts,
// built by the real migrations, reached as the runtime role (so row level security is real).
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "db/connection.hpp"
#include "db/pool.hpp"

namespace tcj::testing {

// libpq settings for the superuser of the test cluster, from TEAMCITY_JIRA_TEST_PG. Fails the
// test (not skips it) when the variable is missing: pg tests must run under `make test`.
db::ConnectionSettings TestAdminSettings();

class PgTest : public ::testing::Test {
 protected:
  // The pool exists from construction (it connects lazily), so fixtures may hand it to members;
  // the schema is built in SetUp.
  PgTest();
  void SetUp() override;
  void TearDown() override;

  // The runtime role (tcj_app) with search_path set to this test's schema.
  db::ConnectionSettings RuntimeSettings() const;
  // The superuser, search_path set to this test's schema: only for arranging what the runtime
  // role may not do (e.g. seeding another tenant's rows, reading the catalog).
  db::ConnectionSettings AdminSettings() const;

  db::Pool& pool() { return *pool_; }
  const std::string& schema() const { return schema_; }

 private:
  std::string schema_;
  std::unique_ptr<db::Pool> pool_;
};

}  // namespace tcj::testing
