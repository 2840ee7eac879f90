#include "teamcity/dates.hpp"

#include "core/time.hpp"
#include <gtest/gtest.h>

namespace tcj::teamcity {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

system_clock::time_point Utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(DatesParseTeamCityDate, OffsetsGiveTheSameInstantInUtc) {
  // One instant, 2015-11-23 10:02:28 UTC, as servers in different zones write it.
  const auto instant = Utc(2015, 11, 23, 10, 2, 28);
  EXPECT_EQ(ParseTeamCityDate("20151123T110228+0100"), instant);
  EXPECT_EQ(ParseTeamCityDate("20151123T100228+0000"), instant);
  EXPECT_EQ(ParseTeamCityDate("20151123T100228-0000"), instant);
  EXPECT_EQ(ParseTeamCityDate("20151123T030228-0700"), instant);
  EXPECT_EQ(ParseTeamCityDate("20151123T153228+0530"), instant);  // India
  EXPECT_EQ(ParseTeamCityDate("20151123T234728+1345"), instant);  // Chatham Islands, daylight time
  EXPECT_EQ(ParseTeamCityDate("20151123T000228-1000"), instant);  // Hawaii
  // Across a day, month and year boundary.
  EXPECT_EQ(ParseTeamCityDate("20160101T003000+0100"), Utc(2015, 12, 31, 23, 30, 0));
  EXPECT_EQ(ParseTeamCityDate("20151231T203000-0400"), Utc(2016, 1, 1, 0, 30, 0));
}

TEST(DatesParseTeamCityDate, RoundTripsToUtc) {
  for (const char* text : {"20151123T110228+0100", "20160614T112250-0700", "20250102T004843+0000",
                           "20240229T235959+0200", "19991231T235959-1200", "20261129T044631+0000"}) {
    SCOPED_TRACE(text);
    const auto parsed = ParseTeamCityDate(text);
    ASSERT_TRUE(parsed.has_value());
    const std::string utc = FormatTeamCityDate(*parsed);
    EXPECT_EQ(utc.size(), 20u);
    EXPECT_EQ(utc.substr(15), "+0000");
    EXPECT_EQ(ParseTeamCityDate(utc), parsed);
  }
  EXPECT_EQ(FormatTeamCityDate(*ParseTeamCityDate("20151123T110228+0100")), "20151123T100228+0000");
  EXPECT_EQ(FormatTeamCityDate(*ParseTeamCityDate("20160614T202250-0700")), "20160615T032250+0000");
}

TEST(DatesParseTeamCityDate, OldAndLeapDates) {
  EXPECT_EQ(ParseTeamCityDate("19700101T000000+0000"), system_clock::time_point{});
  EXPECT_EQ(ParseTeamCityDate("19691231T235959+0000"), system_clock::time_point{} - 1s);  // VCS dates can be old
  EXPECT_TRUE(ParseTeamCityDate("20240229T120000+0000").has_value());
  EXPECT_TRUE(ParseTeamCityDate("20000229T120000+0000").has_value());
  EXPECT_FALSE(ParseTeamCityDate("20230229T120000+0000").has_value());
  EXPECT_FALSE(ParseTeamCityDate("19000229T120000+0000").has_value());
}

TEST(DatesParseTeamCityDate, RefusesEverythingElse) {
  for (const char* text : {"",
                           "20151123",
                           "20151123T110228",
                           "20151123T110228Z",
                           "20151123T110228+01:00",
                           "20151123T110228+01",
                           "20151123T110228+01000",
                           " 20151123T110228+0100",
                           "20151123T110228+0100 ",
                           "2015-11-23T11:02:28+0100",
                           "2015-11-23T11:02:28Z",
                           "20151123t110228+0100",
                           "20151123 110228+0100",
                           "20151123T110228 0100",
                           "2015112XT110228+0100",
                           "20151323T110228+0100",
                           "20150023T110228+0100",
                           "20151100T110228+0100",
                           "20151131T110228+0100",
                           "20151123T240000+0100",
                           "20151123T116000+0100",
                           "20151123T110260+0100",
                           "20151123T110228+1860",
                           "20151123T110228+1801",
                           "20151123T110228+2400",
                           "20151123T110228+0160",
                           "+0151123T110228+0100",
                           "99991231T235959+0000",
                           "00010101T000000+0000",
                           "Mon, 23 Nov 2015 11:02:28 +0100"}) {
    EXPECT_FALSE(ParseTeamCityDate(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseTeamCityDate(std::string_view("20151123T110228+01\0"
                                                  "0",
                                                  20))
                   .has_value());
}

TEST(DatesFormat, TeamCityAndRfc3339InUtc) {
  const auto t = Utc(2026, 11, 29, 4, 46, 31);
  EXPECT_EQ(FormatTeamCityDate(t), "20261129T044631+0000");
  EXPECT_EQ(core::FormatRfc3339(t), "2026-11-29T04:46:31Z");
  // Fractions of a second are dropped, also before 1970.
  EXPECT_EQ(core::FormatRfc3339(t + 999ms), "2026-11-29T04:46:31Z");
  EXPECT_EQ(core::FormatRfc3339(system_clock::time_point{} - 1ms), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatTeamCityDate(system_clock::time_point{} - 1ms), "19691231T235959+0000");
  EXPECT_EQ(core::FormatRfc3339(*ParseTeamCityDate("20151123T110228+0100")), "2015-11-23T10:02:28Z");
  EXPECT_EQ(core::FormatRfc3339(*ParseTeamCityDate("20160614T112250-0700")), "2016-06-14T18:22:50Z");
}

}  // namespace
}  // namespace tcj::teamcity
