// core: running a helper program (initdb, pg_ctl, pg_dump) without a shell.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace tcj::core {

struct ProcessResult {
  int exit_code = -1;   // the exit status, or 128 + signal number when killed
  std::string output;   // standard output and standard error, interleaved, capped
};

struct ProcessOptions {
  std::size_t max_output_bytes = 64 * 1024;
};

// Runs argv[0] (looked up in PATH) with the given arguments and waits for it. No shell is
// involved, so arguments need no quoting. The child inherits no descriptors beyond 0-2, so a
// daemon it starts (postgres) never holds on to our sockets. Fails only when the program cannot
// be started; a non-zero exit is reported in the result.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace tcj::core
