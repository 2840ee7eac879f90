// JWT verification per second: the token checks alone, and the whole connect_jwt authentication
// with the tenant lookup (cache warm, as it is for a site in use). The second needs PostgreSQL:
// run through scripts/with-test-postgres (make bench does).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>

#include "connect/authenticators.hpp"
#include "crypto/qsh.hpp"
#include "core/random.hpp"
#include "crypto/jwt.hpp"
#include "crypto/keyring.hpp"
#include "db/migrations.hpp"

namespace tcj::connect {
namespace {

constexpr const char* kSecret = "a-shared-secret-of-forty-characters-xyz";

std::string TokenFor(const std::string& iss, std::int64_t now) {
  const std::string qsh = crypto::QueryStringHash("GET", "/page", "xdm_e=https%3A%2F%2Facme.atlassian.net&cp=&lic=none", "",
                                          crypto::PathForm::decoded);
  const std::string claims = R"({"iss":")" + iss + R"(","iat":)" + std::to_string(now) + R"(,"exp":)" +
                             std::to_string(now + 180) + R"(,"qsh":")" + qsh + R"(","sub":"acc-1"})";
  return crypto::SignHs256(claims, kSecret);
}

void BM_VerifyTokenOnly(benchmark::State& state) {
  const core::SystemClock clock;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  const std::string token = TokenFor("client-1", now);
  for (auto _ : state) {
    auto jwt = crypto::DecodeJwt(token);
    bool ok = jwt.ok() && crypto::VerifyHs256(*jwt, kSecret) && *jwt->claims.exp > now &&
              *jwt->claims.qsh == crypto::QueryStringHash("GET", "/page", "xdm_e=https%3A%2F%2Facme.atlassian.net&cp=&lic=none",
                                                  "", crypto::PathForm::decoded);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_VerifyTokenOnly);

void BM_AuthenticateWithTenantLookup(benchmark::State& state) {
  const char* conninfo = std::getenv("TEAMCITY_JIRA_TEST_PG");
  if (conninfo == nullptr) {
    state.SkipWithError("TEAMCITY_JIRA_TEST_PG not set: run through scripts/with-test-postgres");
    return;
  }
  const std::string schema = "bench_" + core::RandomHex(6);
  auto settings = db::ConnectionSettings::FromUrl(conninfo);
  auto admin = db::Connection::Open(settings);
  core::Logger quiet(core::MakeFdSink(2), core::LogLevel::error);
  (void)db::Migrator(*admin, schema, quiet).Run(*db::ParseMigrations(db::EmbeddedMigrations()));
  {
    db::Pool pool(settings.With("user", "tcj_app").WithSchema(schema), {.size = 2});
    crypto::OsRandom random;
    const crypto::Keyring keys = crypto::Keyring::Generate(random, "kek-bench");
    core::MetricsRegistry metrics;
    tenants::SecretMetrics secret_metrics(metrics);
    AuthMetrics auth_metrics(metrics);
    tenants::SecretBox box(keys, random, secret_metrics, quiet);
    const core::SystemClock clock;
    tenants::ConnectRegistry registry(pool, box, clock);
    registry.Install({"client-1", core::Secret(kSecret), "https://acme.atlassian.net", "", ""});
    ConnectJwtAuthenticator auth({"https://app.example.com", "app", SitePolicy{}, &clock, quiet, &auth_metrics},
                                 registry, ConnectJwtAuthenticator::QshMode::computed);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
    http::Request request;
    request.method = "GET";
    request.path = "/page";
    request.query = "xdm_e=https%3A%2F%2Facme.atlassian.net&cp=&lic=none&jwt=" + TokenFor("client-1", now);
    for (auto _ : state) {
      auto refused = auth.Authenticate(request);
      if (refused) state.SkipWithError("refused");
      benchmark::DoNotOptimize(refused);
    }
  }
  admin->ExecScript("DROP SCHEMA " + db::QuoteIdentifier(schema) + " CASCADE");
}
BENCHMARK(BM_AuthenticateWithTenantLookup);

}  // namespace
}  // namespace tcj::connect
