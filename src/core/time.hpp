// core: instants as text and back, in UTC, in the few formats the product speaks.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tcj::core {

using TimePoint = std::chrono::system_clock::time_point;

// t rounded down to whole seconds, in UTC, with strftime-style specifiers ("%Y-%m-%d"): the
// one place an instant becomes text.
std::string FormatUtc(TimePoint t, std::string_view format);

// "2026-11-29T04:46:31Z", as Jira's APIs, our API and backup headers write instants.
std::string FormatRfc3339(TimePoint t);
// "Sun, 29 Nov 2026 04:46:31 GMT" (RFC 9110's IMF-fixdate), for the Date header.
std::string FormatHttpDate(TimePoint t);

// The reverse of FormatRfc3339; the seconds may be left out ("2026-11-29T04:46Z", as Jira writes
// X-RateLimit-Reset). Seconds, not a TimePoint: a date in the year 9999 must not overflow.
std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text);
// The reverse of FormatHttpDate.
std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view text);

}  // namespace tcj::core
