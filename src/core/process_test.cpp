#include "core/process.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tcj::core
