#include "core/log.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>
#include <nlohmann/json.hpp>

#include "core/secret.hpp"
#include "support/capture_sink.hpp"

namespace tcj::core {
namespace {

TEST(Log, WritesOneJsonObjectPerLineWithFields) {
  auto sink = std::make_shared<testing::CaptureSink>();
  Logger log(sink, LogLevel::info);
  log.Info("http.request", {{"status", 200}, {"route", "/healthz"}, {"ok", true}, {"ms", 1.5}});
  ASSERT_EQ(sink->lines().size(), 1u);
  const auto line = nlohmann::json::parse(sink->lines()[0]);
  EXPECT_EQ(line["msg"], "http.request");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["route"], "/healthz");
  EXPECT_EQ(line["ok"], true);
  EXPECT_DOUBLE_EQ(line["ms"].get<double>(), 1.5);
  EXPECT_TRUE(line["ts"].get<std::string>().ends_with("Z"));
}

TEST(Log, DropsLinesBelowTheLevel) {
  auto sink = std::make_shared<testing::CaptureSink>();
  Logger log(sink, LogLevel::warn);
  log.Info("quiet");
  log.Debug("quieter");
  log.Warn("loud");
  ASSERT_EQ(sink->lines().size(), 1u);
  EXPECT_NE(sink->lines()[0].find("loud"), std::string::npos);
}

TEST(Log, BoundFieldsRepeatOnEveryLine) {
  auto sink = std::make_shared<testing::CaptureSink>();
  Logger log = Logger(sink, LogLevel::info).With({{"component", "sync"}});
  log.Info("a");
  log.Info("b", {{"n", 1}});
  for (const auto& l : sink->lines()) {
    EXPECT_EQ(nlohmann::json::parse(l)["component"], "sync");
  }
}

TEST(Log, HostileTextStaysValidJson) {
  auto sink = std::make_shared<testing::CaptureSink>();
  Logger log(sink, LogLevel::info);
  const std::string hostile = std::string("quote\" backslash\\ newline\n nul") + '\0' + "\x01 bad utf8 \xff\xc3" +
                              " overlong \xc0\xaf surrogate \xed\xa0\x80 ok \xc3\xa9";
  log.Info("event", {{"text", hostile}});
  ASSERT_EQ(sink->lines().size(), 1u);
  const auto line = nlohmann::json::parse(sink->lines()[0]);  // throws if not JSON or not UTF-8
  const std::string text = line["text"];
  EXPECT_NE(text.find("quote\" backslash\\ newline\n nul"), std::string::npos);
  EXPECT_NE(text.find("\xc3\xa9"), std::string::npos);  // valid UTF-8 kept
  EXPECT_EQ(text.find('\xff'), std::string::npos);
}

TEST(Log, FdSinkWritesEveryLineInOrderAndFlushes) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string received;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) received.append(buf, static_cast<std::size_t>(n));
  });
  {
    auto sink = MakeFdSink(fds[1]);
    Logger log(sink, LogLevel::info);
    for (int i = 0; i < 20000; ++i) log.Info("line", {{"i", i}});
    log.Flush();
  }
  close(fds[1]);
  reader.join();
  close(fds[0]);
  std::size_t count = 0;
  std::size_t start = 0;
  for (std::size_t nl = received.find('\n'); nl != std::string::npos; nl = received.find('\n', start)) {
    const auto line = nlohmann::json::parse(received.substr(start, nl - start));
    EXPECT_EQ(line["i"], count);
    ++count;
    start = nl + 1;
  }
  EXPECT_EQ(count, 20000u);
}

TEST(Log, ParsesLevels) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::debug);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::error);
  EXPECT_FALSE(ParseLogLevel("verbose").has_value());
}

// A Secret cannot become a log field: this must not compile, so it is checked as a trait.
static_assert(!std::is_constructible_v<LogField, std::string_view, const Secret&>);

}  // namespace
}  // namespace tcj::core
