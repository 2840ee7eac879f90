#include "http/cookies.hpp"

#include <gtest/gtest.h>

namespace tcj::http {
namespace {

Request WithCookie(const std::string& header) {
  Request r;
  r.headers.Add("Cookie", header);
  return r;
}

TEST(Cookies, FindsTheNamedCookieAmongOthers) {
  EXPECT_EQ(CookieValue(WithCookie("a=1; tcj_session=abc; b=2"), "tcj_session"), "abc");
  EXPECT_EQ(CookieValue(WithCookie("tcj_session=\"quoted\""), "tcj_session"), "quoted");
  EXPECT_EQ(CookieValue(WithCookie("  tcj_session = spaced ;"), "tcj_session"), "spaced");
}

TEST(Cookies, ANameThatOnlyStartsAlikeIsAnotherCookie) {
  EXPECT_EQ(CookieValue(WithCookie("tcj_session_old=x; xtcj_session=y"), "tcj_session"), std::nullopt);
  EXPECT_EQ(CookieValue(WithCookie("garbage;;=;"), "tcj_session"), std::nullopt);
  EXPECT_EQ(CookieValue(Request{}, "tcj_session"), std::nullopt);
}

TEST(Cookies, SessionCookiesAreHttpOnlyAndStrict) {
  const std::string plain = SessionCookie("s", "v", {std::chrono::seconds(60), false});
  EXPECT_EQ(plain, "s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionCookie("s", "", {std::chrono::seconds(0), true}),
            "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
}

}  // namespace
}  // namespace tcj::http
