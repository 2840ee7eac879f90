// The route table `serve` runs: every route of the admin API and the webhook is in docs/api.yaml,
// with its method, so the OpenAPI file cannot silently fall behind the code.
#include "app/routes.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "app/services.hpp"
#include "crypto/random.hpp"
#include "db/error.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"

namespace tcj::app {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The operations docs/api.yaml declares: "METHOD /path" for each method under each path.
std::set<std::string> DocumentedOperations(const std::string& yaml) {
  std::set<std::string> operations;
  std::istringstream lines(yaml);
  std::string line;
  std::string path;
  bool in_paths = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      if (path.size() >= 2 && path.front() == '\'' && path.back() == '\'') path = path.substr(1, path.size() - 2);
      continue;
    }
    for (const char* method : {"get", "post", "put", "delete", "patch"}) {
      if (line == std::string("    ") + method + ":") {
        std::string upper(method);
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        operations.insert(upper + " " + path);
      }
    }
  }
  return operations;
}

class RoutesTest : public testing::PgTest {};

TEST_F(RoutesTest, EveryApiRouteIsInTheOpenApiDocument) {
  config::Config config;
  crypto::OsRandom random;
  DatabaseEndpoints endpoints;
  endpoints.runtime = RuntimeSettings();
  Services services(config, core::Logger(std::make_shared<testing::CaptureSink>(), core::LogLevel::error),
                    crypto::Keyring::Generate(random, "kek-test"), std::move(endpoints));
  http::Router router;
  AddJiraFacingRoutes(router, services);

  const auto documented = DocumentedOperations(ReadFile(std::string(TCJ_SOURCE_DIR) + "/docs/api.yaml"));
  ASSERT_GT(documented.size(), 10u) << "docs/api.yaml could not be read";
  int checked = 0;
  for (const auto& route : router.routes()) {
    if (!route.pattern.starts_with("/api/") && !route.pattern.starts_with("/webhooks/")) continue;
    EXPECT_TRUE(documented.contains(route.method + " " + route.pattern))
        << route.method << " " << route.pattern << " is not in docs/api.yaml";
    ++checked;
  }
  EXPECT_GT(checked, 20);
  for (const auto& operation : documented) {
    const bool served = std::any_of(router.routes().begin(), router.routes().end(),
                                    [&](const http::Route& r) { return r.method + " " + r.pattern == operation; });
    EXPECT_TRUE(served) << operation << " is documented but not served";
  }
}

// The one place a request's database failure becomes its answer, whichever step threw it.
TEST(PublicPolicies, DatabaseFailuresAreAnsweredByKind) {
  http::Router router;
  auto sink = std::make_shared<testing::CaptureSink>();
  SetPublicPolicies(router, "https://tcj.example.com", core::Logger(sink, core::LogLevel::info));
  const std::vector<std::pair<db::DbErrorKind, int>> cases = {{db::DbErrorKind::connection, 503},
                                                               {db::DbErrorKind::pool_exhausted, 503},
                                                               {db::DbErrorKind::serialization, 503},
                                                               {db::DbErrorKind::unique_violation, 409},
                                                               {db::DbErrorKind::other, 500}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const db::DbErrorKind kind = cases[i].first;
    router.Add({.method = "GET",
                .pattern = "/case" + std::to_string(i),
                .auth = {http::AuthKind::none},
                .handler = [kind](http::Request&) -> http::Response { throw db::DbError(kind, "", "boom"); }});
  }
  router.Add({.method = "GET", .pattern = "/bug", .auth = {http::AuthKind::none}, .handler = [](http::Request&) -> http::Response {
                throw std::runtime_error("a bug");
              }});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    http::Request r;
    r.method = "GET";
    const auto response = router.Dispatch(*router.Match("GET", "/case" + std::to_string(i)).route, r,
                                          core::Logger(sink, core::LogLevel::info));
    EXPECT_EQ(response.status, cases[i].second) << db::ToString(cases[i].first);
    if (response.status == 503) {
      EXPECT_EQ(response.headers.Get("Retry-After"), "1");
    }
  }
  http::Request r;
  r.method = "GET";
  EXPECT_EQ(router.Dispatch(*router.Match("GET", "/bug").route, r, core::Logger(sink, core::LogLevel::info)).status,
            500);
}

}  // namespace
}  // namespace tcj::app
