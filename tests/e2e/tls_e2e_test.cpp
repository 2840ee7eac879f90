// TLS on the built executable: the public listener speaks HTTPS only, the internal one stays plain,
// SIGHUP reloads the certificate without dropping connections, a bad certificate stops startup.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

#include "e2e_support.hpp"
#include "support/tls.hpp"

namespace tcj {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::kExecutable;
using e2e::StatusOf;
using testing::ChildProcess;
using testing::MakeTestCertificate;
using testing::RunCommand;
using testing::TestCertificate;
using testing::TlsClient;

void CopyOver(const fs::path& from, const fs::path& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

class TlsE2E : public e2e::E2ETest {
 protected:
  std::vector<std::string> TlsEnv() const {
    return Env({"TCJ_SERVER_TLS_CERT_FILE=" + (dir_ / "live.crt").string(),
                "TCJ_SERVER_TLS_KEY_FILE=" + (dir_ / "live.key").string()});
  }

  // Starts serve with the live files and reads its ports: https for the public listener.
  void ServeTls() {
    serve_ =
        std::make_unique<ChildProcess>(std::vector<std::string>{kExecutable, "serve"}, TlsEnv(), dir_ / "serve.log");
    auto out = serve_->WaitForOutput("serve.listening", 60s);
    ASSERT_TRUE(out.has_value()) << serve_->Output();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*out, m, std::regex(R"re("public":"https://127\.0\.0\.1:(\d+)")re"))) << *out;
    public_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    ASSERT_TRUE(std::regex_search(*out, m, std::regex(R"re("internal":"http://127\.0\.0\.1:(\d+)")re"))) << *out;
    internal_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
};

TEST_F(TlsE2E, ServesHttpsOnlyAndReloadsTheCertificateOnSighupWithoutDroppingConnections) {
  const TestCertificate first = MakeTestCertificate(dir_, "first");
  const TestCertificate second = MakeTestCertificate(dir_, "second");
  CopyOver(first.cert, dir_ / "live.crt");
  CopyOver(first.key, dir_ / "live.key");
  Migrate();
  ServeTls();
  ASSERT_NE(serve_->WaitForOutput("serve.tls_certificate", 10s), std::nullopt) << serve_->Output();

  TlsClient kept(public_port_, {.ca_file = first.cert.string()});
  ASSERT_TRUE(kept.connected()) << kept.error();
  auto health = kept.Get("/healthz");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->Header("Strict-Transport-Security"), "max-age=31536000");
  EXPECT_FALSE(testing::HttpGet(public_port_, "/healthz").has_value()) << "plain HTTP answered on the TLS port";
  EXPECT_EQ(StatusOf(internal_port_, "/metrics"), 200);  // the internal listener stays plain
  // The expiry the alert rules watch: the test certificate is valid for two days.
  {
    auto metrics = testing::HttpGet(internal_port_, "/metrics");
    ASSERT_TRUE(metrics.has_value());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        metrics->body, m, std::regex(R"re(http_tls_certificate_not_after_seconds\{listener="public"\} (\d+))re")))
        << metrics->body;
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_NEAR(std::stod(m[1]), static_cast<double>(now + 2 * 86400), 300.0);
  }

  // Renewal: new files, SIGHUP.
  CopyOver(second.cert, dir_ / "live.crt");
  CopyOver(second.key, dir_ / "live.key");
  serve_->Signal(SIGHUP);
  ASSERT_NE(serve_->WaitForOutput("serve.tls_reloaded", 30s), std::nullopt) << serve_->Output();
  {
    TlsClient fresh(public_port_, {.ca_file = second.cert.string()});
    ASSERT_TRUE(fresh.connected()) << fresh.error();
    EXPECT_EQ(fresh.peer_subject(), "/CN=second");
  }
  auto again = kept.Get("/healthz");  // opened before the reload, still served
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);

  // A broken renewal: logged, and the certificate in use stays.
  std::ofstream(dir_ / "live.crt", std::ios::trunc) << "not a certificate\n";
  serve_->Signal(SIGHUP);
  auto failed = serve_->WaitForOutput("serve.tls_reload_failed", 30s);
  ASSERT_TRUE(failed.has_value()) << serve_->Output();
  EXPECT_NE(failed->find((dir_ / "live.crt").string()), std::string::npos) << *failed;
  {
    TlsClient fresh(public_port_, {.ca_file = second.cert.string()});
    ASSERT_TRUE(fresh.connected()) << fresh.error();
    EXPECT_EQ(fresh.peer_subject(), "/CN=second");
  }

  serve_->Signal(SIGTERM);
  const auto code = serve_->WaitForExit(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << serve_->Output();
}

TEST_F(TlsE2E, AMissingOrMismatchedCertificateStopsServeNamingTheFile) {
  const TestCertificate first = MakeTestCertificate(dir_, "first");
  const TestCertificate other = MakeTestCertificate(dir_, "other");
  // No database is needed: the certificate is checked before anything starts.
  auto missing = RunCommand({kExecutable, "serve"}, TlsEnv());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot read the TLS certificate chain file " + (dir_ / "live.crt").string()),
            std::string::npos)
      << missing.output;

  CopyOver(first.cert, dir_ / "live.crt");
  CopyOver(other.key, dir_ / "live.key");
  auto mismatched = RunCommand({kExecutable, "serve"}, TlsEnv());
  EXPECT_EQ(mismatched.exit_code, 1) << mismatched.output;
  EXPECT_NE(mismatched.output.find("does not belong to the certificate in " + (dir_ / "live.crt").string()),
            std::string::npos)
      << mismatched.output;
}

}  // namespace
}  // namespace tcj
