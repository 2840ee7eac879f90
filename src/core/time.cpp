#include "core/time.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

namespace tcj::core {
namespace {

// strptime, which must consume all of text; timegm reads the fields as UTC.
std::optional<std::chrono::sys_seconds> ParseExactly(std::string_view text, const char* format) {
  const std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), format, &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

std::tm UtcFields(TimePoint t) {
  return fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t)));
}

}  // namespace

std::string FormatUtc(TimePoint t, std::string_view format) {
  return fmt::format(fmt::runtime(fmt::format("{{:{}}}", format)), UtcFields(t));
}

// The two fixed formats are compiled: the sync formats a few per build.
std::string FormatRfc3339(TimePoint t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", UtcFields(t));
}

std::string FormatHttpDate(TimePoint t) {
  return fmt::format("{:%a, %d %b %Y %H:%M:%S GMT}", UtcFields(t));
}

std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text) {
  if (auto parsed = ParseExactly(text, "%Y-%m-%dT%H:%M:%SZ")) return parsed;
  return ParseExactly(text, "%Y-%m-%dT%H:%MZ");
}

std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view text) {
  return ParseExactly(text, "%a, %d %b %Y %H:%M:%S GMT");
}

}  // namespace tcj::core
