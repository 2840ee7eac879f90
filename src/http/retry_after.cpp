#include "http/retry_after.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string>

namespace tcj::http {
namespace {

std::optional<std::chrono::seconds> UntilDate(std::string_view text, std::chrono::system_clock::time_point now) {
  const std::string s(text);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ"}) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') {
      // In seconds: a date in the year 9999 as a time_point of nanoseconds would overflow.
      const std::int64_t when = timegm(&tm);
      const std::int64_t at = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
      return std::chrono::seconds(when - at);
    }
  }
  return std::nullopt;
}

std::chrono::seconds Bounded(std::chrono::seconds wait) {
  return std::clamp(wait, std::chrono::seconds(0), kMaxRetryAfter);
}

}  // namespace

std::optional<std::chrono::seconds> RetryAfter(const Headers& headers,
                                               std::optional<std::chrono::system_clock::time_point> now) {
  if (const auto retry = headers.Get("Retry-After")) {
    std::uint64_t seconds = 0;
    const auto [ptr, ec] = std::from_chars(retry->data(), retry->data() + retry->size(), seconds);
    if (ptr == retry->data() + retry->size() && !retry->empty()) {
      // Digits only: out of range means a very long wait, which the bound turns into the longest.
      if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
      if (ec == std::errc{}) {
        return seconds > static_cast<std::uint64_t>(kMaxRetryAfter.count()) ? kMaxRetryAfter
                                                                            : std::chrono::seconds(seconds);
      }
    }
    if (now) {
      if (auto until = UntilDate(*retry, *now)) return Bounded(*until);
    }
  }
  if (const auto reset = headers.Get("X-RateLimit-Reset"); reset && now) {
    if (auto until = UntilDate(*reset, *now)) return Bounded(*until);
  }
  return std::nullopt;
}

}  // namespace tcj::http
