// core: structured logging. Every line is one JSON object, or one readable line on a terminal;
// secrets cannot be logged by construction.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tcj::core {

class Secret;

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::string_view ToString(LogLevel level);

// How lines look. json: one object per line, for collectors. text: `time LEVEL event key=value`
// for people; coloured_text adds ANSI colours to the level and the event.
enum class LogFormat { json, text, coloured_text };
// The `log.format` setting: auto picks text on a terminal and json otherwise.
enum class LogFormatSetting { automatic, json, text };

std::optional<LogFormatSetting> ParseLogFormatSetting(std::string_view text);
std::string_view ToString(LogFormatSetting setting);
// The format for lines written to fd: text only on a terminal unless asked for; colour only on a
// terminal and only when NO_COLOR (https://no-color.org) is unset or empty.
LogFormat ResolveLogFormat(LogFormatSetting setting, int fd);

// One key/value of a log line. Only plain values convert; a Secret does not, so logging one is a
// compile error rather than a leak. The key and any string value must outlive the log call.
class LogField {
 public:
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  LogField(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), value_(std::string_view(value)) {}
  LogField(std::string_view key, const char* value) : key_(key), value_(std::string_view(value)) {}
  LogField(std::string_view key, bool value) : key_(key), value_(value) {}
  LogField(std::string_view key, double value) : key_(key), value_(value) {}
  template <std::signed_integral T>
  LogField(std::string_view key, T value) : key_(key), value_(static_cast<std::int64_t>(value)) {}
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  LogField(std::string_view key, T value) : key_(key), value_(static_cast<std::uint64_t>(value)) {}
  LogField(std::string_view key, const Secret& value) = delete;

  std::string_view key() const { return key_; }
  const Value& value() const { return value_; }

 private:
  std::string_view key_;
  Value value_;
};

// Where finished lines go. Implementations must be thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogLevel level, std::string_view line) = 0;
  virtual void Flush() {}
};

// Lines to standard error, written in batches by a background thread so that request threads
// never wait on the terminal, a pipe or a disk. Flushes on destruction.
std::shared_ptr<LogSink> MakeStderrSink();
// The same for any descriptor (tests use a pipe). The descriptor must outlive the sink.
std::shared_ptr<LogSink> MakeFdSink(int fd);

// Thread-safe; cheap to copy. Bound fields (With) are rendered once and repeated on every line.
class Logger {
 public:
  Logger(std::shared_ptr<LogSink> sink, LogLevel level, LogFormat format = LogFormat::json);

  bool Enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {}) const;
  void Debug(std::string_view event, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::debug, event, fields);
  }
  void Info(std::string_view event, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::info, event, fields);
  }
  void Warn(std::string_view event, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::warn, event, fields);
  }
  void Error(std::string_view event, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::error, event, fields);
  }

  // True when lines are read by people (a text format) rather than collected (JSON).
  bool readable() const { return format_ != LogFormat::json; }
  // For people only: text written as it is, in order with the lines. Does nothing for a JSON log,
  // which stays one object per line. Never pass anything a visitor controls.
  void Print(std::string_view text) const {
    if (readable()) sink_->Write(LogLevel::info, text);
  }

  // A logger that adds these fields to every line (e.g. the component, a tenant id).
  Logger With(std::initializer_list<LogField> fields) const;

  void Flush() const { sink_->Flush(); }

 private:
  std::shared_ptr<LogSink> sink_;
  LogLevel level_;
  LogFormat format_;
  std::string bound_;  // pre-rendered fields in format_: ,"key":value pairs or ` key=value`
};

// Appends text to out as the inside of a JSON string (quotes not included). Invalid UTF-8 bytes
// are replaced by U+FFFD so that a hostile input can never produce a line that is not JSON.
void AppendJsonEscaped(std::string& out, std::string_view text);

// Text safe to print on a terminal: control characters (C0, DEL and C1, which include ESC and
// CSI) shown as \u00XX and invalid UTF-8 as U+FFFD; everything else as it is. For output that
// carries text from outside (a TeamCity server's name, another program's error message).
std::string TerminalSafe(std::string_view text);

}  // namespace tcj::core
