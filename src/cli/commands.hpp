// cli: the command line (CLI11): subcommands, their options, and the exit codes they return.
#pragma once

namespace tcj::cli {

int Run(int argc, char** argv);

}  // namespace tcj::cli
