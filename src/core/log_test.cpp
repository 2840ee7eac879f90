#include "core/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include <gmock/gmock.h>
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

TEST(Log, TextLinesAreTimeLevelEventThenFieldsThenBoundFields) {
  auto sink = std::make_shared<testing::CaptureSink>();
  const Logger log = Logger(sink, LogLevel::info, LogFormat::text).With({{"service", "teamcity-jira"}});
  log.Info("serve.listening", {{"public", "http://127.0.0.1:8080"}, {"sites", 0}, {"ready", true}, {"ms", 1.5}});
  log.Warn("sync.poll_failed", {{"reason", "could not connect"}, {"empty", ""}});
  ASSERT_EQ(sink->lines().size(), 2u);
  EXPECT_THAT(sink->lines()[0],
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z INFO  "
                                      "serve\\.listening public=http://127\\.0\\.0\\.1:8080 sites=0 ready=true "
                                      "ms=1\\.500 service=teamcity-jira"));
  EXPECT_TRUE(
      sink->lines()[1].ends_with(" WARN  sync.poll_failed reason=\"could not connect\" empty=\"\" "
                                 "service=teamcity-jira"))
      << sink->lines()[1];
  EXPECT_EQ(sink->lines()[0].find('\x1b'), std::string::npos) << "no colour unless asked for";
}

TEST(Log, TextLinesNeverCarryATerminalControlSequenceFromAValue) {
  auto sink = std::make_shared<testing::CaptureSink>();
  const Logger log(sink, LogLevel::info, LogFormat::coloured_text);
  // ESC sequences, a C1 CSI (U+009B), a bell, a newline and invalid UTF-8, in a value and a key.
  const std::string hostile =
      "\x1b[2J\x1b]0;owned\x07 csi\xc2\x9b"
      "31m line\nbreak \xff end=\"x\"";
  log.Error("event", {{"text", hostile}, {"k\x1b[1m", 1}});
  ASSERT_EQ(sink->lines().size(), 1u);
  const std::string line = sink->lines()[0];
  // Colour codes of our own: the level and the event, and nothing else.
  EXPECT_TRUE(line.find("\x1b[1;31mERROR\x1b[0m\x1b[1m event\x1b[0m") != std::string::npos) << line;
  const std::string fields = line.substr(line.find("event\x1b[0m") + 10);
  EXPECT_EQ(fields.find('\x1b'), std::string::npos) << fields;
  EXPECT_EQ(fields.find('\x07'), std::string::npos) << fields;
  EXPECT_EQ(fields.find('\n'), std::string::npos) << fields;
  EXPECT_EQ(fields.find("\xc2\x9b"), std::string::npos) << fields;
  EXPECT_NE(fields.find(R"(text="\u001b[2J\u001b]0;owned\u0007 csi\u009b31m line\nbreak )"
                        "\xef\xbf\xbd"
                        R"( end=\"x\"")"),
            std::string::npos)
      << fields;
  EXPECT_NE(fields.find(R"("k\u001b[1m"=1)"), std::string::npos) << fields;
}

TEST(Log, FormatSettingsParseAndAutoPicksTextOnlyOnATerminal) {
  EXPECT_EQ(ParseLogFormatSetting("auto"), LogFormatSetting::automatic);
  EXPECT_EQ(ParseLogFormatSetting("json"), LogFormatSetting::json);
  EXPECT_EQ(ParseLogFormatSetting("text"), LogFormatSetting::text);
  EXPECT_FALSE(ParseLogFormatSetting("pretty").has_value());
  EXPECT_EQ(ToString(LogFormatSetting::automatic), "auto");

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_EQ(ResolveLogFormat(LogFormatSetting::automatic, pipe_fds[1]), LogFormat::json);
  EXPECT_EQ(ResolveLogFormat(LogFormatSetting::text, pipe_fds[1]), LogFormat::text) << "no colour into a pipe";
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);

  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY);  // NOLINT(concurrency-mt-unsafe)
  ASSERT_GE(terminal, 0);
  ::unsetenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(ResolveLogFormat(LogFormatSetting::automatic, terminal), LogFormat::coloured_text);
  EXPECT_EQ(ResolveLogFormat(LogFormatSetting::json, terminal), LogFormat::json);
  ::setenv("NO_COLOR", "1", 1);  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(ResolveLogFormat(LogFormatSetting::automatic, terminal), LogFormat::text);
  ::unsetenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe)
  ::close(terminal);
  ::close(master);
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
