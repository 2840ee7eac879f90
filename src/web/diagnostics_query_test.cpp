#include <gtest/gtest.h>

#include "web/diagnostics_api.hpp"

namespace tcj::web {
namespace {

struct Case {
  const char* text;
  std::optional<DiagnosticsQuery::Kind> kind;
  std::string key;
  std::int64_t build_id = 0;
};

class DiagnosticsQueries : public ::testing::TestWithParam<Case> {};

TEST_P(DiagnosticsQueries, AreUnderstoodOrRefused) {
  const Case& c = GetParam();
  const auto query = ParseDiagnosticsQuery(c.text);
  if (!c.kind) {
    EXPECT_FALSE(query.has_value()) << c.text;
    return;
  }
  ASSERT_TRUE(query.has_value()) << c.text;
  EXPECT_EQ(query->kind, *c.kind);
  EXPECT_EQ(query->key.str(), c.key);
  EXPECT_EQ(query->build_id.value(), c.build_id);
}

using K = DiagnosticsQuery::Kind;
INSTANTIATE_TEST_SUITE_P(
    Table, DiagnosticsQueries,
    ::testing::Values(Case{"ABC-123", K::issue_key, "ABC-123"}, Case{"  abc-7 ", K::issue_key, "ABC-7"},
                      Case{"A_B2-1", K::issue_key, "A_B2-1"}, Case{"4567", K::build_id, "", 4567},
                      Case{"https://tc.example.com/viewLog.html?buildId=889&tab=log", K::build_id, "", 889},
                      Case{"https://tc.example.com/buildConfiguration/Backend_Build/1234?mode=builds", K::build_id, "",
                           1234},
                      Case{"http://tc:8111/build/42", K::build_id, "", 42},
                      // Refused: nothing, look-alikes, leading zeros, other schemes, URLs without a build.
                      Case{"", std::nullopt, ""}, Case{"   ", std::nullopt, ""}, Case{"ABC-0", std::nullopt, ""},
                      Case{"ABC-01", std::nullopt, ""}, Case{"1ABC-1", std::nullopt, ""},
                      Case{"ABC 1", std::nullopt, ""}, Case{"-5", std::nullopt, ""}, Case{"0", std::nullopt, ""},
                      Case{"99999999999999999999", std::nullopt, ""},
                      Case{"javascript:alert(1)//buildId=5", std::nullopt, ""},
                      Case{"https://tc.example.com/project/Backend", std::nullopt, ""},
                      Case{"<script>alert(1)</script>", std::nullopt, ""}));

TEST(DiagnosticsQuery, VeryLongInputIsRefusedQuickly) {
  EXPECT_FALSE(ParseDiagnosticsQuery(std::string(100'000, 'A')).has_value());
}

}  // namespace
}  // namespace tcj::web
