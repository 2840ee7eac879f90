#include "http/retry_after.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace tcj::http {
namespace {

std::optional<std::chrono::seconds> UntilDate(std::string_view text, std::chrono::system_clock::time_point now) {
  auto when = core::ParseHttpDate(text);
  if (!when) when = core::ParseRfc3339(text);
  if (!when) return std::nullopt;
  // In seconds: a date in the year 9999 as a time_point of nanoseconds would overflow.
  return when->time_since_epoch() - std::chrono::floor<std::chrono::seconds>(now.time_since_epoch());
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
