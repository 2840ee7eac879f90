#include "core/log.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/time.hpp"

namespace tcj::core {
namespace {

void AppendValue(std::string& out, const LogField::Value& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          out.push_back('"');
          AppendJsonEscaped(out, v);
          out.push_back('"');
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          fmt::format_to(std::back_inserter(out), "{:.3f}", v);
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      },
      value);
}

void AppendJsonFields(std::string& out, std::initializer_list<LogField> fields) {
  for (const LogField& field : fields) {
    out.append(",\"");
    AppendJsonEscaped(out, field.key());
    out.append("\":");
    AppendValue(out, field.value());
  }
}

// A bare word stays as it is; anything a reader could misparse (spaces, quotes, '=', nothing at
// all) or a terminal could obey (control characters, C1 codes, escape sequences) is quoted and
// escaped. A logged value can never move the cursor or change colours.
bool IsBareWord(std::string_view text) {
  if (text.empty()) return false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '=' || c == '\\') return false;
  }
  return true;
}

void AppendTextString(std::string& out, std::string_view text) {
  if (IsBareWord(text)) {
    out.append(text);
    return;
  }
  std::string escaped;
  AppendJsonEscaped(escaped, text);  // quotes, backslashes, C0 controls, DEL and invalid UTF-8
  out.push_back('"');
  out.append(TerminalSafe(escaped));  // and the C1 controls, which JSON allows
  out.push_back('"');
}

void AppendTextFields(std::string& out, std::initializer_list<LogField> fields) {
  for (const LogField& field : fields) {
    out.push_back(' ');
    AppendTextString(out, field.key());
    out.push_back('=');
    if (const auto* text = std::get_if<std::string_view>(&field.value())) {
      AppendTextString(out, *text);
    } else {
      AppendValue(out, field.value());
    }
  }
}

void AppendFields(LogFormat format, std::string& out, std::initializer_list<LogField> fields) {
  if (format == LogFormat::json) {
    AppendJsonFields(out, fields);
  } else {
    AppendTextFields(out, fields);
  }
}

struct TextLevel {
  std::string_view name;    // padded to one width, so that events line up
  std::string_view colour;  // ANSI SGR
};

TextLevel TextLevelOf(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return {"DEBUG", "\x1b[2m"};
    case LogLevel::info:
      return {"INFO ", "\x1b[32m"};
    case LogLevel::warn:
      return {"WARN ", "\x1b[33m"};
    case LogLevel::error:
      return {"ERROR", "\x1b[1;31m"};
  }
  return {"INFO ", ""};
}

// RFC 3339 UTC with milliseconds. The seconds part is cached per thread: most lines of a busy
// second share it.
void AppendTimestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto millis = duration_cast<milliseconds>(now - secs).count();
  thread_local seconds::rep cached_second = -1;
  thread_local std::string cached;
  if (secs.time_since_epoch().count() != cached_second) {
    cached = FormatUtc(secs, "%Y-%m-%dT%H:%M:%S");
    cached_second = secs.time_since_epoch().count();
  }
  out.append(cached);
  fmt::format_to(std::back_inserter(out), ".{:03}Z", millis);
}

// Lines go into a buffer; one background thread writes whole batches with one write(2) each.
// A request thread pays for a memcpy under a mutex, not for a system call: per line, that is what
// keeps access logging cheap at tens of thousands of requests per second. Error lines and Flush()
// are written at once; otherwise a batch goes out when it reaches 64 KiB or after 50 ms. When the
// writer falls 8 MiB behind, writers wait rather than drop lines.
class BatchingFdSink final : public LogSink {
 public:
  explicit BatchingFdSink(int fd) : fd_(fd), thread_([this] { Run(); }) {}
  ~BatchingFdSink() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void Write(LogLevel level, std::string_view line) override {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [this] { return pending_.size() < kMaxPending; });
    pending_.append(line);
    pending_.push_back('\n');
    if (level >= LogLevel::error || pending_.size() >= kBatch) {
      urgent_ = true;
      wake_.notify_one();
    }
  }

  void Flush() override {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = ++flush_requests_;
    urgent_ = true;
    wake_.notify_one();
    drained_.wait(lock, [this, target] { return flushed_ >= target || stopping_; });
  }

 private:
  static constexpr std::size_t kBatch = 64 * 1024;
  static constexpr std::size_t kMaxPending = 8 * 1024 * 1024;

  void Run() {
    std::string batch;
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return urgent_ || stopping_; });
      batch.swap(pending_);
      const std::uint64_t served = flush_requests_;
      urgent_ = false;
      const bool stop = stopping_;
      lock.unlock();
      WriteAll(batch);
      batch.clear();
      lock.lock();
      flushed_ = served;
      drained_.notify_all();
      if (stop && pending_.empty()) return;
    }
  }

  void WriteAll(std::string_view data) const {
    while (!data.empty()) {
      // cppcheck-suppress invalidLifetime ; data views Run()'s batch, alive for the whole call
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere left to report it
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::string pending_;
  bool urgent_ = false;
  bool stopping_ = false;
  std::uint64_t flush_requests_ = 0;
  std::uint64_t flushed_ = 0;
  std::thread thread_;
};

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return std::nullopt;
}

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::shared_ptr<LogSink> MakeStderrSink() { return MakeFdSink(STDERR_FILENO); }

std::shared_ptr<LogSink> MakeFdSink(int fd) { return std::make_shared<BatchingFdSink>(fd); }

std::optional<LogFormatSetting> ParseLogFormatSetting(std::string_view text) {
  if (text == "auto") return LogFormatSetting::automatic;
  if (text == "json") return LogFormatSetting::json;
  if (text == "text") return LogFormatSetting::text;
  return std::nullopt;
}

std::string_view ToString(LogFormatSetting setting) {
  switch (setting) {
    case LogFormatSetting::automatic:
      return "auto";
    case LogFormatSetting::json:
      return "json";
    case LogFormatSetting::text:
      return "text";
  }
  return "auto";
}

LogFormat ResolveLogFormat(LogFormatSetting setting, int fd) {
  const bool terminal = ::isatty(fd) == 1;
  if (setting == LogFormatSetting::json || (setting == LogFormatSetting::automatic && !terminal)) {
    return LogFormat::json;
  }
  const char* no_colour = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe): read once at start
  const bool colour = terminal && (no_colour == nullptr || *no_colour == '\0');
  return colour ? LogFormat::coloured_text : LogFormat::text;
}

Logger::Logger(std::shared_ptr<LogSink> sink, LogLevel level, LogFormat format)
    : sink_(std::move(sink)), level_(level), format_(format) {}

void Logger::Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) const {
  if (!Enabled(level)) {
    return;
  }
  std::string line;
  line.reserve(256);
  if (format_ != LogFormat::json) {
    AppendTimestamp(line);
    const TextLevel text_level = TextLevelOf(level);
    const bool colour = format_ == LogFormat::coloured_text;
    line.push_back(' ');
    if (colour) line.append(text_level.colour);
    line.append(text_level.name);
    if (colour) line.append("\x1b[0m\x1b[1m");
    line.push_back(' ');
    AppendTextString(line, event);
    if (colour) line.append("\x1b[0m");
    AppendTextFields(line, fields);
    line.append(bound_);  // after the line's own fields: they matter more to a reader
    sink_->Write(level, line);
    return;
  }
  line.append("{\"ts\":\"");
  AppendTimestamp(line);
  line.append("\",\"level\":\"");
  line.append(ToString(level));
  line.append("\",\"msg\":\"");
  AppendJsonEscaped(line, event);
  line.push_back('"');
  line.append(bound_);
  AppendJsonFields(line, fields);
  line.push_back('}');
  sink_->Write(level, line);
}

Logger Logger::With(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  AppendFields(format_, child.bound_, fields);
  return child;
}

namespace {

// The UTF-8 sequence at text[i]: its length and code point, or length 0 when it is not well formed
// (truncated, overlong, a surrogate, beyond U+10FFFF).
struct Utf8Sequence {
  std::size_t length = 0;
  std::uint32_t code_point = 0;
};

Utf8Sequence ReadUtf8(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return {1, c};
  std::size_t len = 0;
  std::uint32_t min = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    min = 0x10000;
  }
  bool valid = len != 0 && i + len <= text.size();
  std::uint32_t cp = valid ? (c & (0x7fu >> len)) : 0;
  for (std::size_t k = 1; valid && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    valid = (cc & 0xc0) == 0x80;
    cp = (cp << 6) | (cc & 0x3fu);
  }
  valid = valid && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return valid ? Utf8Sequence{len, cp} : Utf8Sequence{};
}

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, std::uint32_t c) {
  out.append("\\u00");
  out.push_back(kHex[(c >> 4) & 0x0f]);
  out.push_back(kHex[c & 0x0f]);
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            AppendUnicodeEscape(out, c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copy a well-formed sequence as is, replace anything else.
    const Utf8Sequence seq = ReadUtf8(text, i);
    if (seq.length != 0) {
      out.append(text.substr(i, seq.length));
      i += seq.length;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
}

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Sequence seq = ReadUtf8(text, i);
    if (seq.length == 0) {
      out.append("\xef\xbf\xbd");
      ++i;
    } else if (seq.code_point < 0x20 || (seq.code_point >= 0x7f && seq.code_point <= 0x9f)) {
      AppendUnicodeEscape(out, seq.code_point);  // C0, DEL and C1: never sent to the terminal
      i += seq.length;
    } else {
      out.append(text.substr(i, seq.length));
      i += seq.length;
    }
  }
  return out;
}

}  // namespace tcj::core
