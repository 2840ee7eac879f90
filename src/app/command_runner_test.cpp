#include "app/command_runner.hpp"

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "db/error.hpp"

namespace tcj::app {
namespace {

TEST(RunCommand, PassesTheExitCodeOn) {
  EXPECT_EQ(RunCommand("keys status", [] { return kExitOk; }), kExitOk);
  EXPECT_EQ(RunCommand("keys status", [] { return kExitUsage; }), kExitUsage);
}

TEST(RunCommand, ADatabaseFailureIsOneLineAndExitCode1) {
  ::testing::internal::CaptureStderr();
  const int code = RunCommand("sites export", []() -> int {
    throw db::DbError(db::DbErrorKind::connection, "08006", "cannot connect to PostgreSQL (host=/x)");
  });
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, kExitFailure);
  EXPECT_EQ(said, "teamcity-jira: sites export: the database failed: cannot connect to PostgreSQL (host=/x)\n");
}

// `sites list` as the runtime role: the role is refused, and the line says which setting fixes it.
TEST(RunCommand, ARefusedRoleIsToldWhatToSet) {
  ::testing::internal::CaptureStderr();
  const int code = RunCommand("sites list", []() -> int {
    throw db::DbError(db::DbErrorKind::permission_denied, "42501",
                      "permission denied for function maintenance_tenants");
  });
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, kExitFailure);
  EXPECT_NE(said.find("sites list: the database refused it"), std::string::npos) << said;
  EXPECT_NE(said.find("database.migrate_url"), std::string::npos) << said;
}

}  // namespace
}  // namespace tcj::app
