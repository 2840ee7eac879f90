// teamcity-jira: parses arguments and hands over to the command. Nothing else lives here.
#include "app/app.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask and `serve` can wait for
  // SIGTERM/SIGINT with sigwait instead of a signal handler.
  tcj::app::BlockShutdownSignals();
  tcj::app::LimitMallocArenas();
  return tcj::cli::Run(argc, argv);
}
