// core: running a helper program (initdb, pg_ctl, pg_dump, pg_restore) without a shell.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tcj::core {

// Every child starts the same way: argv[0] looked up in PATH, no shell (arguments need no
// quoting), no descriptors inherited beyond 0-2 (a daemon it starts, postgres, never holds on to
// our sockets), no blocked signals and default dispositions whatever this process blocks.

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed
  std::string output;  // standard output and standard error, interleaved, capped
};

struct ProcessOptions {
  std::size_t max_output_bytes = 64 * 1024;
};

// Runs the program and waits for it. Fails only when it cannot be started; a non-zero exit is
// reported in the result.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A program streaming through a pipe: we write its standard input or read its standard output.
// Its standard error goes to an unlinked temporary file, quoted when it fails. Destroying a child
// that was not finished terminates it.
class ChildProcess {
 public:
  enum class Pipe { we_write_its_input, we_read_its_output };

  // env: the child's whole environment (nullopt: ours).
  static Result<ChildProcess> Start(const std::vector<std::string>& argv,
                                    const std::optional<std::vector<std::string>>& env, Pipe pipe);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  // Our end of the pipe.
  int fd() const { return fd_; }
  pid_t pid() const { return pid_; }
  // Closes our end: the child sees the end of its input (or a broken pipe).
  void CloseOurEnd();
  // Closes our end and waits. An error with the start of its standard error when it did not exit 0.
  Status Finish();

 private:
  ChildProcess(pid_t pid, int fd, int err, std::string name);
  pid_t pid_;
  int fd_;
  int err_;
  std::string name_;
};

}  // namespace tcj::core
