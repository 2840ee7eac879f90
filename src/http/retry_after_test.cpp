#include "http/retry_after.hpp"

#include <gtest/gtest.h>

namespace tcj::http {
namespace {

using std::chrono::seconds;

std::optional<seconds> Of(const char* name, const char* value,
                          std::optional<std::chrono::system_clock::time_point> now = std::nullopt) {
  Headers h;
  h.Add(name, value);
  return RetryAfter(h, now);
}

TEST(RetryAfter, SecondsAreTakenAsTheyAreUpToTheBound) {
  EXPECT_EQ(Of("Retry-After", "0"), seconds(0));
  EXPECT_EQ(Of("Retry-After", "30"), seconds(30));
  EXPECT_EQ(Of("Retry-After", "3600"), seconds(3600));
  EXPECT_EQ(Of("Retry-After", "3601"), kMaxRetryAfter);
  // What std::stol would have thrown on or let overflow a delay.
  EXPECT_EQ(Of("Retry-After", "99999999999999999999999999"), kMaxRetryAfter);
  EXPECT_EQ(Of("Retry-After", "9223372036854775807"), kMaxRetryAfter);
}

TEST(RetryAfter, NonsenseIsNoAnswer) {
  for (const char* value : {"", "-5", "soon", "12abc", " 7", "1e9", "0x10"}) {
    EXPECT_EQ(Of("Retry-After", value), std::nullopt) << value;
  }
  EXPECT_EQ(RetryAfter(Headers{}, std::nullopt), std::nullopt);
}

TEST(RetryAfter, DatesCountFromNowAndAreBounded) {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14T22:13:20Z
  EXPECT_EQ(Of("Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT", now), seconds(30));
  EXPECT_EQ(Of("Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT", now), seconds(0)) << "in the past: now";
  EXPECT_EQ(Of("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT", now), kMaxRetryAfter);
  EXPECT_EQ(Of("X-RateLimit-Reset", "2023-11-14T22:15Z", now), seconds(100));
  EXPECT_EQ(Of("Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"), std::nullopt) << "no clock: dates are not read";
}

}  // namespace
}  // namespace tcj::http
