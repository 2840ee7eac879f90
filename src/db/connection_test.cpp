#include "db/connection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/error.hpp"

namespace tcj::db {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// libpq would quote the unreadable part of the URL, the password, in its error message.
TEST(ConnectionOpen, AnUnreadableUrlIsRefusedWithoutShowingItsPassword) {
  for (const std::string url :
       {"postgresql://tcj_app:pa%zzs3cr3t@127.0.0.1:1/teamcity_jira", "host=127.0.0.1 password='s3cr3t"}) {
    SCOPED_TRACE(url);
    try {
      Connection::Open(ConnectionSettings::FromUrl(url));
      ADD_FAILURE() << "connected";
    } catch (const DbError& e) {
      EXPECT_THAT(e.what(), HasSubstr("percent-encode"));
      EXPECT_THAT(e.what(), Not(HasSubstr("s3cr3t")));
    }
  }
}

TEST(ConnectionOpen, AReadableUrlGetsAsFarAsConnecting) {
  try {
    Connection::Open(ConnectionSettings::FromUrl("postgresql://tcj_app:s3cret@127.0.0.1:1/teamcity_jira"));
    ADD_FAILURE() << "connected to port 1";
  } catch (const DbError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot connect to PostgreSQL"));
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cret")));
  }
}

}  // namespace
}  // namespace tcj::db
