// teamcity: TeamCity's date format ("20151123T110228+0100", Java's yyyyMMdd'T'HHmmssZ).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tcj::teamcity {

// "yyyyMMddTHHmmss±hhmm" with a real calendar date, hours 00-23, minutes and seconds 00-59 and an
// offset of at most ±18:00, as the instant it names. Java's `Z` always writes a numeric offset, so
// "…Z", "…+01:00" and every other shape (a server with rest.defaultDateFormat changed) give nullopt.
std::optional<std::chrono::system_clock::time_point> ParseTeamCityDate(std::string_view text);

// The instant in UTC as TeamCity writes dates ("20151123T100228+0000"), e.g. for sinceDate locators;
// fractions of a second are dropped (rounded down).
std::string FormatTeamCityDate(std::chrono::system_clock::time_point t);

}  // namespace tcj::teamcity
