#include "app/command_runner.hpp"

#include <cstdio>

#include "app/app.hpp"
#include "db/error.hpp"

namespace tcj::app {

int Complain(const std::string& message) {
  (void)std::fprintf(stderr, "teamcity-jira: %s\n", message.c_str());
  return kExitFailure;
}

int RunCommand(std::string_view name, const std::function<int()>& command) {
  try {
    return command();
  } catch (const db::DbError& e) {
    if (e.kind() == db::DbErrorKind::permission_denied) {
      // What the runtime role may not do (list every site, delete one that is still installed)
      // takes the owner's role.
      return Complain(std::string(name) + ": the database refused it (" + e.what() +
                      "); commands that act across sites run as database.migrate_url's role (the one that runs "
                      "`teamcity-jira migrate`): set it");
    }
    return Complain(std::string(name) + ": the database failed: " + e.what());
  }
}

}  // namespace tcj::app
