// A schema of its own on the test cluster of `make test` (scripts/with-test-postgres sets
// TEAMCITY_JIRA_TEST_PG), for tests that run several `serve` processes on one database, as
// machines behind a load balancer do. The schema is dropped at the end.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "db/connection.hpp"
#include "support/pg_test.hpp"

namespace tcj::e2e {

class SharedTestDatabase {
 public:
  SharedTestDatabase() : schema_("e2e_" + core::RandomHex(6)) {}
  ~SharedTestDatabase() {
    admin_.reset();
    if (!available()) return;
    auto admin = db::Connection::Open(testing::TestAdminSettings());
    admin->ExecScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  SharedTestDatabase(const SharedTestDatabase&) = delete;
  SharedTestDatabase& operator=(const SharedTestDatabase&) = delete;

  static bool available() { return std::getenv("TEAMCITY_JIRA_TEST_PG") != nullptr; }

  // The service's database settings: the runtime role on the test cluster, this schema.
  std::vector<std::string> Env() const {
    auto admin = db::Connection::Open(testing::TestAdminSettings());
    std::string runtime = "user=tcj_app";
    for (const auto& [key, value] : admin->EffectiveParameters()) {
      if (key == "host" || key == "port" || key == "dbname") runtime += " " + key + "=" + value;
    }
    const char* migrate = std::getenv("TEAMCITY_JIRA_TEST_PG");
    return {"TCJ_DATABASE_URL=" + runtime, "TCJ_DATABASE_MIGRATE_URL=" + std::string(migrate != nullptr ? migrate : ""),
            "TCJ_DATABASE_SCHEMA=" + schema_, "TCJ_DATABASE_POOL_SIZE=8"};
  }

  // The cluster's admin in this schema: for what only the database can tell.
  db::Connection& Admin() {
    if (!admin_) admin_ = db::Connection::Open(testing::TestAdminSettings().WithSchema(schema_));
    return *admin_;
  }

  const std::string& schema() const { return schema_; }

 private:
  std::string schema_;
  std::unique_ptr<db::Connection> admin_;
};

}  // namespace tcj::e2e
