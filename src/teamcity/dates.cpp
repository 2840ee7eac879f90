#include "teamcity/dates.hpp"

#include "core/time.hpp"

namespace tcj::teamcity {
namespace {

using std::chrono::system_clock;

// The value of text[at, at + n) when those are all ASCII digits.
std::optional<int> Digits(std::string_view text, std::size_t at, std::size_t n) {
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<system_clock::time_point> ParseTeamCityDate(std::string_view text) {
  // yyyyMMdd T HHmmss ±hhmm
  // 0       8 9      15 16
  if (text.size() != 20 || text[8] != 'T' || (text[15] != '+' && text[15] != '-')) return std::nullopt;
  const auto year = Digits(text, 0, 4), month = Digits(text, 4, 2), day = Digits(text, 6, 2);
  const auto hour = Digits(text, 9, 2), minute = Digits(text, 11, 2), second = Digits(text, 13, 2);
  const auto offset_hours = Digits(text, 16, 2), offset_minutes = Digits(text, 18, 2);
  if (!year || !month || !day || !hour || !minute || !second || !offset_hours || !offset_minutes) return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 59 || *offset_hours > 18 || *offset_minutes > 59 ||
      (*offset_hours == 18 && *offset_minutes > 0)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const auto offset = hours{*offset_hours} + minutes{*offset_minutes};
  const auto local = sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second};
  // The text is local time at the offset: UTC = local - offset.
  const auto utc = text[15] == '+' ? local - offset : local + offset;
  // system_clock counts nanoseconds in 64 bits (years 1678-2261 with libstdc++): a date outside
  // cannot be represented and is refused rather than overflowed.
  constexpr auto kEarliest = ceil<seconds>(system_clock::time_point::min());
  constexpr auto kLatest = floor<seconds>(system_clock::time_point::max());
  if (utc < kEarliest || utc > kLatest) return std::nullopt;
  return time_point_cast<system_clock::duration>(utc);
}

std::string FormatTeamCityDate(system_clock::time_point t) { return core::FormatUtc(t, "%Y%m%dT%H%M%S+0000"); }

}  // namespace tcj::teamcity
