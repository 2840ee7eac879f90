#include "core/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace tcj::core {
namespace {

TEST(Process, CapturesOutputAndExitCode) {
  auto r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_NE(r->output.find("out"), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
}

TEST(Process, PassesArgumentsWithoutAShell) {
  auto r = RunProcess({"printf", "%s", "a b; rm -rf /"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "a b; rm -rf /");
}

TEST(Process, CapsOutput) {
  auto r = RunProcess({"head", "-c", "100000", "/dev/zero"}, ProcessOptions{.max_output_bytes = 1000});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output.size(), 1000u);
}

TEST(Process, MissingProgramIsAnError) {
  EXPECT_FALSE(RunProcess({"/nonexistent/program"}).ok());
}

TEST(ChildProcess, StreamsOurWritesIntoItsInput) {
  char path[] = "/tmp/tcj-child-test-XXXXXX";
  const int out = mkstemp(path);
  ASSERT_GE(out, 0);
  close(out);
  auto child = ChildProcess::Start({"sh", "-c", std::string("cat > ") + path}, std::nullopt,
                                   ChildProcess::Pipe::we_write_its_input);
  ASSERT_TRUE(child.ok()) << child.error().message;
  ASSERT_EQ(write(child->fd(), "hello", 5), 5);
  EXPECT_TRUE(child->Finish().ok());
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "hello");
  unlink(path);
}

TEST(ChildProcess, StreamsItsOutputToUsWithTheEnvironmentWeGive) {
  auto child = ChildProcess::Start({"sh", "-c", "printf %s \"$GREETING\""}, std::vector<std::string>{"GREETING=hi"},
                                   ChildProcess::Pipe::we_read_its_output);
  ASSERT_TRUE(child.ok());
  char buffer[16];
  const ssize_t n = read(child->fd(), buffer, sizeof buffer);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), "hi");
  EXPECT_TRUE(child->Finish().ok());
}

TEST(ChildProcess, AFailureQuotesItsStandardError) {
  auto child = ChildProcess::Start({"sh", "-c", "echo 'no such database' >&2; exit 1"}, std::nullopt,
                                   ChildProcess::Pipe::we_read_its_output);
  ASSERT_TRUE(child.ok());
  const auto finished = child->Finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_NE(finished.error().message.find("sh failed: no such database"), std::string::npos);
}

TEST(ChildProcess, AMissingProgramIsAnErrorNamingIt) {
  const auto child =
      ChildProcess::Start({"/nonexistent/pg_dump"}, std::nullopt, ChildProcess::Pipe::we_read_its_output);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.error().message.find("/nonexistent/pg_dump"), std::string::npos);
}

TEST(ChildProcess, DroppingAnUnfinishedChildStopsIt) {
  pid_t pid = 0;
  {
    auto child = ChildProcess::Start({"sleep", "600"}, std::nullopt, ChildProcess::Pipe::we_read_its_output);
    ASSERT_TRUE(child.ok());
    pid = child->pid();
    ASSERT_EQ(kill(pid, 0), 0);
  }
  EXPECT_NE(kill(pid, 0), 0) << "the child outlived its owner";
}

}  // namespace
}  // namespace tcj::core
