#include "app/doctor_report.hpp"

#include <gtest/gtest.h>

namespace tcj::app::doctor {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;

constexpr auto kDay = std::chrono::year{2026} / 12 / 7;
const core::TimePoint kNoon = sys_days{kDay} + 12h;

TEST(DoctorReport, EachLineHasItsSymbolAndAdviceOnlyWhenThereIsAny) {
  EXPECT_EQ(RenderLine(Ok("schema", "current (version 20)")), "✔ schema: current (version 20)");
  EXPECT_EQ(RenderLine(Warning("jobs", "2 overdue", "start serve")), "! jobs: 2 overdue → start serve");
  EXPECT_EQ(RenderLine(Failure("keyring", "mode 0644", "chmod 600 k")), "✖ keyring: mode 0644 → chmod 600 k");
  EXPECT_EQ(RenderLine(Skipped("clock", "the database is not reachable")),
            "- clock: skipped: the database is not reachable");
}

TEST(DoctorReport, AMessageOfSeveralLinesIsPrintedOnOne) {
  EXPECT_EQ(RenderLine(Failure("database", "failed: Connection refused\n\tIs the server running?\n", "check\r\nit")),
            "✖ database: failed: Connection refused Is the server running? → check it");
}

// A site admin names TeamCity servers; the operator's terminal must not obey the name.
TEST(DoctorReport, TextFromOutsideCarriesNoTerminalControlSequence) {
  const std::string line =
      RenderLine(Failure("TeamCity \"\x1b]0;owned\x07\x1b[2J\xc2\x9b"
                         "31mred\"",
                         "refused \x1b[1mloudly\xff", "fix\x1b[0m it"));
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
  EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << line;
  EXPECT_EQ(line,
            "✖ TeamCity \"\\u001b]0;owned\\u0007\\u001b[2J\\u009b31mred\": refused \\u001b[1mloudly\xef\xbf\xbd → "
            "fix\\u001b[0m it");
}

TEST(DoctorReport, TheReportEndsWithCountsAndOnlyAFailureFailsIt) {
  std::vector<Finding> findings = {Ok("a", "fine"), Warning("b", "meh", "do x"), Skipped("c", "why")};
  EXPECT_EQ(ExitCodeFor(findings), 0);
  EXPECT_EQ(RenderReport(findings),
            "✔ a: fine\n! b: meh → do x\n- c: skipped: why\ndoctor: 1 ok, 1 warning, 0 failed, 1 skipped\n");
  findings.push_back(Failure("d", "broken", "fix it"));
  EXPECT_EQ(ExitCodeFor(findings), 1);
  EXPECT_NE(RenderReport(findings).find("doctor: 1 ok, 1 warning, 1 failed, 1 skipped\n"), std::string::npos);
}

TEST(DoctorReport, CommandsNameTheConfigurationFileWhenThereIsOne) {
  EXPECT_EQ(CommandLine("migrate", "/etc/tcj.toml"), "`teamcity-jira migrate --config /etc/tcj.toml`");
  EXPECT_EQ(CommandLine("keys rotate", ""), "`teamcity-jira keys rotate`");
}

TEST(DoctorReport, SchemaBehindFailsAheadWarnsEqualPasses) {
  const Finding behind = EvaluateSchema(0, 20, 20, std::nullopt, "`teamcity-jira migrate`");
  EXPECT_EQ(behind.status, Status::failure);
  EXPECT_EQ(RenderLine(behind),
            "✖ schema: the database is at version 0, this build needs 20 → run `teamcity-jira migrate`");
  EXPECT_EQ(EvaluateSchema(21, 20, 20, std::nullopt, "m").status, Status::warning);
  EXPECT_EQ(EvaluateSchema(20, 20, 20, std::nullopt, "m").status, Status::ok);
}

TEST(DoctorReport, ContractingMigrationsPendingWarnAndOnesThisBuildLacksFail) {
  // This build's last two migrations contract: it runs without them, and they wait for the roll.
  const Finding pending = EvaluateSchema(18, 18, 20, std::nullopt, "`teamcity-jira migrate`");
  EXPECT_EQ(pending.status, Status::warning);
  EXPECT_EQ(RenderLine(pending),
            "! schema: the database is at version 18; this build's contracting migrations up to 20 are not applied "
            "yet → once every serve runs this version, run `teamcity-jira migrate`");
  EXPECT_EQ(EvaluateSchema(17, 18, 20, std::nullopt, "m").status, Status::failure);
  // A newer executable applied a contracting migration this one lacks.
  const Finding contracted = EvaluateSchema(22, 20, 20, "0022_drop_x.sql", "m");
  EXPECT_EQ(contracted.status, Status::failure);
  EXPECT_NE(contracted.detail.find("0022_drop_x.sql"), std::string::npos) << contracted.detail;
  EXPECT_NE(contracted.detail.find("serve refuses to start"), std::string::npos) << contracted.detail;
}

TEST(DoctorReport, ServeProcessesOfOneVersionPassAndOfSeveralWarn) {
  EXPECT_EQ(RenderLine(EvaluateServeProcesses({})), "✔ serve processes: none running");
  const db::LiveServe a{"web-1", 11, "1.4.0", 30, "2026-01-01 10:00:00+00", 3.2};
  const db::LiveServe b{"web-2", 12, "1.4.0", 30, "2026-01-01 10:00:00+00", 14.0};
  const db::LiveServe c{"web-3", 13, "1.5.0", 32, "2026-01-01 10:05:00+00", 0.4};
  EXPECT_EQ(RenderLine(EvaluateServeProcesses({a, b})),
            "✔ serve processes: 2 running, version 1.4.0: host web-1 pid 11, host web-2 pid 12");
  const Finding mixed = EvaluateServeProcesses({a, c});
  EXPECT_EQ(mixed.status, Status::warning);
  EXPECT_EQ(mixed.detail,
            "2 running, 2 versions side by side: host web-1 pid 11 version 1.4.0 (built with migrations up to 0030, "
            "last heartbeat 3 s ago); host web-3 pid 13 version 1.5.0 (built with migrations up to 0032, last "
            "heartbeat 0 s ago)");
  EXPECT_NE(mixed.advice.find("rolling upgrade"), std::string::npos);
}

TEST(DoctorReport, KeyDatesAreReadFromGeneratedIdsOnly) {
  EXPECT_EQ(KeyDateFromId("kek-2026-11-29"), sys_days{std::chrono::year{2026} / 11 / 29});
  EXPECT_EQ(KeyDateFromId("kek-2026-11-29-2"), sys_days{std::chrono::year{2026} / 11 / 29});
  EXPECT_EQ(KeyDateFromId("kek-2026-02-30"), std::nullopt);
  EXPECT_EQ(KeyDateFromId("kek-2026-11-29-x"), std::nullopt);
  EXPECT_EQ(KeyDateFromId("kek-2026-11-2"), std::nullopt);
  EXPECT_EQ(KeyDateFromId("production"), std::nullopt);
}

TEST(DoctorReport, AKeyOlderThanElevenMonthsWantsRotating) {
  // 11 months are 334.8 days: 334 days is fine, 335 is due.
  const auto id_of_age = [](int days) {
    return "kek-" + core::FormatUtc(sys_days{kDay} - std::chrono::days{days}, "%Y-%m-%d");
  };
  const Finding young = EvaluateKeyAge(id_of_age(334), kNoon, "`teamcity-jira keys rotate`");
  EXPECT_EQ(young.status, Status::ok);
  EXPECT_NE(young.detail.find("334 days old"), std::string::npos) << young.detail;
  const Finding old = EvaluateKeyAge(id_of_age(335), kNoon, "`teamcity-jira keys rotate`");
  EXPECT_EQ(old.status, Status::warning);
  EXPECT_NE(old.detail.find("335 days old"), std::string::npos) << old.detail;
  EXPECT_NE(old.advice.find("`teamcity-jira keys rotate`"), std::string::npos) << old.advice;
  EXPECT_EQ(EvaluateKeyAge("kek-2030-01-01", kNoon, "r").status, Status::ok);  // a clock set back: not "old"
  const Finding unknown = EvaluateKeyAge("production", kNoon, "r");
  EXPECT_EQ(unknown.status, Status::ok);
  EXPECT_NE(unknown.detail.find("unknown"), std::string::npos) << unknown.detail;
}

TEST(DoctorReport, CertificatesFailWhenExpiredAndWarnTwoWeeksAhead) {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(kNoon);
  const Finding expired = EvaluateCertificateExpiry(now_s - 1s, kNoon, "CN=tcj");
  EXPECT_EQ(expired.status, Status::failure);
  EXPECT_EQ(expired.detail, "the certificate of CN=tcj expired on 2026-12-07 11:59 UTC");
  EXPECT_EQ(EvaluateCertificateExpiry(now_s, kNoon, "CN=tcj").status, Status::failure);
  const Finding soon = EvaluateCertificateExpiry(now_s + std::chrono::days{13} + 23h, kNoon, "CN=tcj");
  EXPECT_EQ(soon.status, Status::warning);
  EXPECT_NE(soon.detail.find("in 13 days"), std::string::npos) << soon.detail;
  EXPECT_NE(EvaluateCertificateExpiry(now_s + 2h, kNoon, "CN=tcj").detail.find("less than a day"), std::string::npos);
  const Finding fine = EvaluateCertificateExpiry(now_s + std::chrono::days{14}, kNoon, "CN=tcj");
  EXPECT_EQ(fine.status, Status::ok);
  EXPECT_EQ(fine.detail, "certificate of CN=tcj valid until 2026-12-21 12:00 UTC, key matches");
}

TEST(DoctorReport, ClockSkewWarnsPastTwoSecondsAndFailsPastFiveEitherWay) {
  EXPECT_EQ(EvaluateClockSkew(0ms).status, Status::ok);
  EXPECT_EQ(EvaluateClockSkew(2000ms).status, Status::ok);
  EXPECT_EQ(EvaluateClockSkew(2001ms).status, Status::warning);
  EXPECT_EQ(EvaluateClockSkew(-5000ms).status, Status::warning);
  const Finding ahead = EvaluateClockSkew(-5001ms);
  EXPECT_EQ(ahead.status, Status::failure);
  EXPECT_EQ(ahead.detail, "this machine's clock is 5.0 s ahead of the database's");
  const Finding behind = EvaluateClockSkew(90'000ms);
  EXPECT_EQ(behind.status, Status::failure);
  EXPECT_EQ(behind.detail, "this machine's clock is 90.0 s behind the database's");
  EXPECT_NE(behind.advice.find("NTP"), std::string::npos);
}

TEST(DoctorReport, PublicUrlMustBeHttpsBeyondLoopback) {
  EXPECT_EQ(EvaluatePublicUrl("https://tcj.example.com", false).status, Status::ok);
  EXPECT_EQ(EvaluatePublicUrl("http://127.0.0.1:8080", true).status, Status::ok);
  EXPECT_EQ(EvaluatePublicUrl("http://localhost:8080", false).status, Status::ok);
  EXPECT_EQ(EvaluatePublicUrl("http://tcj.example.com", false).status, Status::warning);
  const Finding forge = EvaluatePublicUrl("http://tcj.example.com", true);
  EXPECT_EQ(forge.status, Status::failure);
  EXPECT_NE(forge.detail.find("Forge"), std::string::npos) << forge.detail;
}

}  // namespace
}  // namespace tcj::app::doctor
