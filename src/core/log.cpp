#include "core/log.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

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

void AppendFields(std::string& out, std::initializer_list<LogField> fields) {
  for (const LogField& field : fields) {
    out.append(",\"");
    AppendJsonEscaped(out, field.key());
    out.append("\":");
    AppendValue(out, field.value());
  }
}

// RFC 3339 UTC with milliseconds. The seconds part is cached per thread: most lines of a busy
// second share it.
void AppendTimestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto millis = duration_cast<milliseconds>(now - secs).count();
  thread_local seconds::rep cached_second = -1;
  thread_local std::array<char, 32> cached{};
  thread_local std::size_t cached_len = 0;
  if (secs.time_since_epoch().count() != cached_second) {
    const std::time_t t = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached_len = std::strftime(cached.data(), cached.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = secs.time_since_epoch().count();
  }
  out.append(cached.data(), cached_len);
  fmt::format_to(std::back_inserter(out), ".{:03}Z", millis);
}

class SpdlogStderrSink final : public LogSink {
 public:
  SpdlogStderrSink() {
    // One background thread writes; callers only enqueue. "block" keeps every line under
    // bursts instead of dropping them.
    thread_pool_ = std::make_shared<spdlog::details::thread_pool>(32768, 1);
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    logger_ = std::make_shared<spdlog::async_logger>("tcj", std::move(sink), thread_pool_,
                                                     spdlog::async_overflow_policy::block);
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::trace);
    logger_->flush_on(spdlog::level::err);
  }
  ~SpdlogStderrSink() override { Flush(); }

  void Write(LogLevel, std::string_view line) override { logger_->info("{}", line); }

  void Flush() override {
    // An async logger's flush is only queued; wait until the queue has drained.
    logger_->flush();
    while (thread_pool_->queue_size() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::fflush(stderr);
  }

 private:
  std::shared_ptr<spdlog::details::thread_pool> thread_pool_;
  std::shared_ptr<spdlog::async_logger> logger_;
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

std::shared_ptr<LogSink> MakeStderrSink() { return std::make_shared<SpdlogStderrSink>(); }

Logger::Logger(std::shared_ptr<LogSink> sink, LogLevel level) : sink_(std::move(sink)), level_(level) {}

void Logger::Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) const {
  if (!Enabled(level)) {
    return;
  }
  std::string line;
  line.reserve(256);
  line.append("{\"ts\":\"");
  AppendTimestamp(line);
  line.append("\",\"level\":\"");
  line.append(ToString(level));
  line.append("\",\"msg\":\"");
  AppendJsonEscaped(line, event);
  line.push_back('"');
  line.append(bound_);
  AppendFields(line, fields);
  line.push_back('}');
  sink_->Write(level, line);
}

Logger Logger::With(std::initializer_list<LogField> fields) const {
  Logger child = *this;
  AppendFields(child.bound_, fields);
  return child;
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
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
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0f]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: copy a well-formed sequence as is, replace anything else.
    std::size_t len = 0;
    std::uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { len = 4; min = 0x10000; }
    bool valid = len != 0 && i + len <= text.size();
    std::uint32_t cp = valid ? (c & (0x7fu >> len)) : 0;
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      valid = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    valid = valid && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
}

}  // namespace tcj::core
