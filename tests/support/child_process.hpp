// Test support: running the built executable (or a fake) as a child process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tcj::testing {

// Starts argv with extra environment variables; standard output and error go to output_file.
// The destructor kills the child if it is still running.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
               const std::filesystem::path& output_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // The exit code (128 + signal when killed), or nullopt if it is still running at the deadline.
  std::optional<int> WaitForExit(std::chrono::milliseconds deadline);
  // Everything the child wrote so far.
  std::string Output() const;
  // Polls the output until it contains text; returns the output then, or nullopt at the deadline.
  std::optional<std::string> WaitForOutput(const std::string& text, std::chrono::milliseconds deadline) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path output_file_;
};

// A fresh empty folder under /tmp (short paths: PostgreSQL's socket path is limited).
std::filesystem::path MakeTempDir(const std::string& prefix);

// Runs a program to completion and returns its exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});

}  // namespace tcj::testing
