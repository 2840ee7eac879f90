#include "http/tls.hpp"

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/process.hpp"
#include "http/server.hpp"
#include "support/capture_sink.hpp"
#include "support/child_process.hpp"
#include "support/raw_http.hpp"
#include "support/tls.hpp"

namespace tcj::http {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::MakeTestCertificate;
using testing::RawConnection;
using testing::TestCertificate;
using testing::TlsClient;
using ClientOptions = testing::TlsClientOptions;

// --- Files ----------------------------------------------------------------------------------

TlsFiles FilesOf(const TestCertificate& c) {
  return {c.cert.string(), c.key.string()};
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}
std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --- openssl s_client, the tool auditors use --------------------------------------------------

struct SClient {
  bool succeeded = false;
  std::string output;
};

SClient RunSClient(std::uint16_t port, const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {"openssl",     "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                   "-servername", "localhost"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto r = core::RunProcess(argv);  // standard input is /dev/null: it hangs up after the handshake
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  return {r->exit_code == 0 && r->output.find("Cipher is (NONE)") == std::string::npos, r->output};
}

// --- The server with a TLS public listener and a plain internal one ---------------------------

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tcj-tls");
    first_ = MakeTestCertificate(dir_, "first");
    // The files the server reads: copies, so that a test can replace them as certbot would.
    live_ = {dir_ / "live.crt", dir_ / "live.key"};
    fs::copy_file(first_.cert, live_.cert);
    fs::copy_file(first_.key, live_.key);
    auto loaded = TlsServerContext::Load(FilesOf(live_));
    ASSERT_TRUE(loaded) << loaded.error().message;
    tls_ = *loaded;

    router_.Add({.method = "GET",
                 .pattern = "/hello",
                 .auth = {AuthKind::none},
                 .execution = Execution::io_thread,
                 .handler = [](Request&) { return Response::Text(200, "hello"); }});
    router_.Add({.method = "POST",
                 .pattern = "/echo",
                 .auth = {AuthKind::none},
                 .max_body_bytes = 1024,
                 .handler = [](Request& r) { return Response::Text(200, r.body); }});
    StartServer(core::LogLevel::info);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(1s);
    fs::remove_all(dir_);
  }

  void StartServer(core::LogLevel level) {
    if (server_) server_->Shutdown(1s);
    server_.reset();  // before the metrics it counts into
    ServerOptions options;
    options.io_threads = 2;
    options.worker_threads = 2;
    options.header_timeout = 500ms;
    options.body_timeout = 500ms;
    options.idle_timeout = 5s;
    options.write_timeout = 2s;
    sink_ = std::make_shared<testing::CaptureSink>();
    registry_ = std::make_unique<core::MetricsRegistry>();
    metrics_ = std::make_unique<HttpMetrics>(*registry_);
    server_ = std::make_unique<Server>(options, core::Logger(sink_, level), *metrics_);
    server_->Listen("public", "127.0.0.1", 0, router_, tls_);
    server_->Listen("internal", "127.0.0.1", 0, router_);
    server_->Start();
    port_ = server_->port("public");
    internal_port_ = server_->port("internal");
  }

  ClientOptions Verified() const { return {.ca_file = live_.cert.string()}; }

  std::string Metrics() const { return registry_->RenderPrometheus(); }
  // Polls the metrics for a line the server writes in the background.
  bool EventuallyInMetrics(const std::string& line) const {
    for (int i = 0; i < 200; ++i) {
      if (Metrics().find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  }

  fs::path dir_;
  TestCertificate first_;
  TestCertificate live_;
  std::shared_ptr<TlsServerContext> tls_;
  Router router_;
  std::shared_ptr<testing::CaptureSink> sink_;
  std::unique_ptr<core::MetricsRegistry> registry_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::uint16_t internal_port_ = 0;
};

TEST_F(TlsServerTest, HttpsRequestWithAVerifiedCertificateCarriesHsts) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.peer_subject(), "/CN=first");
  EXPECT_EQ(client.version(), "TLSv1.3");
  auto r = client.Get("/hello");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("Strict-Transport-Security"), "max-age=31536000");
}

TEST_F(TlsServerTest, EveryHttpsResponseCarriesHstsErrorsIncluded) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  auto missing = client.Get("/nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("Strict-Transport-Security"), "max-age=31536000");
  ASSERT_TRUE(client.Send("NOT HTTP AT ALL\r\n\r\n"));
  auto bad = client.ReadResponse();
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->Header("Strict-Transport-Security"), "max-age=31536000");
}

TEST_F(TlsServerTest, ThePlainInternalListenerStaysPlainWithoutHsts) {
  auto r = testing::HttpGet(internal_port_, "/hello");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->Header("Strict-Transport-Security").has_value());
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortGetsNoHttpAnswer) {
  RawConnection c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(c.ReadResponse(2s).has_value());
  EXPECT_TRUE(c.WaitForClose(5s));
  server_->Shutdown(1s);
  EXPECT_NE(Metrics().find(R"(http_tls_handshake_failures_total{listener="public",reason="plain_http"} 1)"),
            std::string::npos)
      << Metrics();
}

TEST_F(TlsServerTest, KeepAliveServesSeveralRequestsOnOneTlsConnection) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  for (int i = 0; i < 3; ++i) {
    auto r = client.Get("/hello");
    ASSERT_TRUE(r.has_value()) << "request " << i;
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(TlsServerTest, OversizedBodyOverTlsIsAnswered413BeforeTheConnectionCloses) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(client.got_close_notify());
}

TEST_F(TlsServerTest, ConnectionCloseEndsWithCloseNotify) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  auto r = client.Get("/hello", "Connection: close\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(client.got_close_notify());
}

// --- The policy, as a client sees it ------------------------------------------------------------

TEST_F(TlsServerTest, SClientTls10And11AreRefusedByTheServer) {
  for (const char* version : {"-tls1", "-tls1_1"}) {
    // SECLEVEL=0 lets the client offer them, so the refusal is the server's (alert 70).
    auto r = RunSClient(port_, {version, "-cipher", "DEFAULT@SECLEVEL=0"});
    EXPECT_FALSE(r.succeeded) << version << "\n" << r.output;
    EXPECT_NE(r.output.find("alert protocol version"), std::string::npos) << version << "\n" << r.output;
  }
}

TEST_F(TlsServerTest, SClientSuitesWithoutForwardSecrecyOrAeadAreRefused) {
  // RSA key exchange (no forward secrecy), CBC with ECDHE, DHE, anonymous: alert 40 from the server.
  for (const char* cipher : {"AES128-SHA256", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA256",
                             "DHE-RSA-AES128-GCM-SHA256", "aNULL"}) {
    auto r = RunSClient(port_, {"-tls1_2", "-cipher", std::string(cipher) + "@SECLEVEL=0"});
    EXPECT_FALSE(r.succeeded) << cipher << "\n" << r.output;
    EXPECT_NE(r.output.find("alert handshake failure"), std::string::npos) << cipher << "\n" << r.output;
  }
}

TEST_F(TlsServerTest, SClientGroupsOtherThanX25519AndP256AreRefused) {
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"-tls1_2", "-groups", "ffdhe2048"}, {"-tls1_3", "-groups", "P-521"}, {"-tls1_3", "-groups", "P-384"}}) {
    auto r = RunSClient(port_, flags);
    EXPECT_FALSE(r.succeeded) << flags[2] << "\n" << r.output;
    EXPECT_NE(r.output.find("alert handshake failure"), std::string::npos) << flags[2] << "\n" << r.output;
  }
}

TEST_F(TlsServerTest, SClientTls12EcdheAeadWithX25519Succeeds) {
  auto r = RunSClient(port_, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", "X25519"});
  EXPECT_TRUE(r.succeeded) << r.output;
  EXPECT_NE(r.output.find("New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Server Temp Key: X25519"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Compression: NONE"), std::string::npos) << r.output;
  // No session ticket: nothing encrypted under a long-lived key.
  EXPECT_EQ(r.output.find("TLS session ticket:"), std::string::npos) << r.output;
}

TEST_F(TlsServerTest, SClientTls13WithX25519AndP256Succeeds) {
  auto r = RunSClient(port_, {"-tls1_3", "-groups", "X25519"});
  EXPECT_TRUE(r.succeeded) << r.output;
  EXPECT_NE(r.output.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Server Temp Key: X25519"), std::string::npos) << r.output;
  auto p256 = RunSClient(port_, {"-tls1_3", "-groups", "P-256"});
  EXPECT_TRUE(p256.succeeded) << p256.output;
  EXPECT_NE(p256.output.find("Server Temp Key: ECDH, prime256v1"), std::string::npos) << p256.output;
}

// Every TLS 1.2 cipher OpenSSL knows, offered alone: exactly the ECDHE AEAD suites the key can sign
// get through. With an RSA key the three ECDHE-RSA ones, with an ECDSA key the three ECDHE-ECDSA ones.
std::set<std::string> Tls12CiphersThatConnect(std::uint16_t port) {
  std::set<std::string> accepted;
  SSL_CTX* probe = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(probe, 0);
  SSL_CTX_set_cipher_list(probe, "ALL:COMPLEMENTOFALL@SECLEVEL=0");
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(probe);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    if (std::string_view(SSL_CIPHER_get_version(c)) == "TLSv1.3") continue;
    const std::string name = SSL_CIPHER_get_name(c);
    TlsClient client(port, {.max_version = TLS1_2_VERSION, .cipher_list = name + "@SECLEVEL=0"});
    if (client.connected()) accepted.insert(name);
  }
  SSL_CTX_free(probe);
  return accepted;
}

TEST_F(TlsServerTest, OnlyTheEcdheAeadSuitesOfTheKeyTypeConnectOverTls12) {
  EXPECT_EQ(Tls12CiphersThatConnect(port_),
            (std::set<std::string>{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                   "ECDHE-RSA-CHACHA20-POLY1305"}));

  const TestCertificate ec = MakeTestCertificate(dir_, "ecdsa", "ec");
  auto ec_context = TlsServerContext::Load(FilesOf(ec));
  ASSERT_TRUE(ec_context) << ec_context.error().message;
  tls_ = *ec_context;
  StartServer(core::LogLevel::info);
  EXPECT_EQ(Tls12CiphersThatConnect(port_),
            (std::set<std::string>{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                   "ECDHE-ECDSA-CHACHA20-POLY1305"}));
}

TEST_F(TlsServerTest, Tls13OffersOnlyTheThreeStandardSuites) {
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
    auto r = RunSClient(port_, {"-tls1_3", "-ciphersuites", suite});
    EXPECT_TRUE(r.succeeded) << suite << "\n" << r.output;
    EXPECT_NE(r.output.find(std::string("Cipher is ") + suite), std::string::npos) << r.output;
  }
  for (const char* suite : {"TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}) {
    EXPECT_FALSE(RunSClient(port_, {"-tls1_3", "-ciphersuites", suite}).succeeded) << suite;
  }
}

TEST(TlsServerContextPolicy, OptionsSayNoCompressionNoRenegotiationNoTicketsServerOrder) {
  const auto dir = testing::MakeTempDir("tcj-tls");
  auto loaded = TlsServerContext::Load(FilesOf(MakeTestCertificate(dir, "policy")));
  ASSERT_TRUE(loaded) << loaded.error().message;
  SSL_CTX* ctx = (*loaded)->Current().get();
  const auto options = SSL_CTX_get_options(ctx);
  EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(options & SSL_OP_NO_TICKET);
  EXPECT_TRUE(options & SSL_OP_CIPHER_SERVER_PREFERENCE);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  fs::remove_all(dir);
}

// --- Slow and failed handshakes -------------------------------------------------------------

TEST_F(TlsServerTest, AClientSilentInTheHandshakeIsClosedAtTheHeaderTimeoutWhileOthersAreServed) {
  RawConnection silent(port_);
  RawConnection dribbling(port_);
  ASSERT_TRUE(dribbling.Send(std::string("\x16\x03\x01\x02\x00\x01", 6)));  // the start of a ClientHello
  TlsClient other(port_, Verified());
  ASSERT_TRUE(other.connected()) << other.error();
  EXPECT_EQ(other.Get("/hello")->status, 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.WaitForClose(10s)) << "a client that never said hello held its connection";
  EXPECT_TRUE(dribbling.WaitForClose(10s)) << "a client that stopped mid-hello held its connection";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  server_->Shutdown(1s);
  EXPECT_NE(Metrics().find(R"(http_tls_handshake_failures_total{listener="public",reason="timeout"} 2)"),
            std::string::npos)
      << Metrics();
}

TEST_F(TlsServerTest, FailedHandshakesAreCountedAndLoggedAtDebugOnly) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(TlsClient(port_, {.max_version = TLS1_1_VERSION, .cipher_list = "DEFAULT@SECLEVEL=0"}).connected());
  }
  EXPECT_FALSE(TlsClient(port_, {.max_version = TLS1_2_VERSION, .cipher_list = "AES128-SHA@SECLEVEL=0"}).connected());
  { RawConnection gone(port_); }  // connects and hangs up at once
  EXPECT_TRUE(EventuallyInMetrics(R"(http_tls_handshake_failures_total{listener="public",reason="client_closed"} 1)"))
      << Metrics();
  server_->Shutdown(1s);
  const std::string text = Metrics();
  EXPECT_NE(text.find(R"(http_tls_handshake_failures_total{listener="public",reason="protocol_version"} 3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_tls_handshake_failures_total{listener="public",reason="no_shared_cipher"} 1)"),
            std::string::npos)
      << text;
  EXPECT_EQ(sink_->all().find("tls_handshake_failed"), std::string::npos) << "logged above debug: " << sink_->all();

  StartServer(core::LogLevel::debug);
  EXPECT_FALSE(TlsClient(port_, {.max_version = TLS1_1_VERSION, .cipher_list = "DEFAULT@SECLEVEL=0"}).connected());
  server_->Shutdown(1s);
  const std::string logs = sink_->all();
  EXPECT_NE(logs.find("\"msg\":\"http.tls_handshake_failed\""), std::string::npos) << logs;
  EXPECT_NE(logs.find("\"reason\":\"protocol_version\""), std::string::npos) << logs;
}

TEST_F(TlsServerTest, ShutdownClosesAnIdleTlsConnectionWithCloseNotify) {
  TlsClient client(port_, Verified());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_EQ(client.Get("/hello")->status, 200);
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown(30s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(client.got_close_notify());
}

// --- Reload -----------------------------------------------------------------------------------

TEST_F(TlsServerTest, ReloadServesTheNewCertificateToNewConnectionsAndKeepsOpenOnes) {
  TlsClient before(port_, Verified());
  ASSERT_TRUE(before.connected()) << before.error();
  ASSERT_EQ(before.Get("/hello")->status, 200);

  // Replace the files as certbot would, then reload.
  const TestCertificate second = MakeTestCertificate(dir_, "second");
  WriteFile(live_.cert, ReadFile(second.cert));
  WriteFile(live_.key, ReadFile(second.key));
  auto reloaded = tls_->Reload();
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->subject, "CN=second");
  EXPECT_EQ(tls_->certificate().subject, "CN=second");

  TlsClient after(port_, {.ca_file = second.cert.string()});
  ASSERT_TRUE(after.connected()) << after.error();
  EXPECT_EQ(after.peer_subject(), "/CN=second");
  EXPECT_EQ(after.Get("/hello")->status, 200);

  // The connection opened before the reload goes on with its certificate.
  EXPECT_EQ(before.peer_subject(), "/CN=first");
  auto again = before.Get("/hello");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST_F(TlsServerTest, AFailedReloadKeepsTheCurrentCertificate) {
  const std::string serial = tls_->certificate().serial;
  WriteFile(live_.cert, "not a certificate\n");
  auto reloaded = tls_->Reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().code, "tls.certificate");
  EXPECT_NE(reloaded.error().message.find(live_.cert.string()), std::string::npos) << reloaded.error().message;
  EXPECT_EQ(tls_->certificate().serial, serial);
  TlsClient client(port_, {.ca_file = first_.cert.string()});
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.peer_subject(), "/CN=first");

  // A key from another certificate: refused as well.
  const TestCertificate other = MakeTestCertificate(dir_, "other");
  WriteFile(live_.cert, ReadFile(first_.cert));
  WriteFile(live_.key, ReadFile(other.key));
  auto mismatched = tls_->Reload();
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code, "tls.key");
  EXPECT_EQ(tls_->certificate().serial, serial);
}

// --- Loading: errors that name the file ------------------------------------------------------

class TlsLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tcj-tls");
    good_ = MakeTestCertificate(dir_, "good");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string LoadError(const TlsFiles& files) {
    auto r = TlsServerContext::Load(files);
    return r ? std::string("loaded") : r.error().message;
  }

  fs::path dir_;
  TestCertificate good_;
};

TEST_F(TlsLoadTest, LoadsAGoodPairAndDescribesTheCertificate) {
  auto r = TlsServerContext::Load(FilesOf(good_));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->certificate().subject, "CN=good");
  EXPECT_FALSE((*r)->certificate().serial.empty());
  EXPECT_NE((*r)->certificate().not_after.find("GMT"), std::string::npos);
}

// The test certificate is valid for two days from now: its expiry says so, to the minute (openssl
// and this test read the clock moments apart). The doctor and the expiry metric use it.
TEST_F(TlsLoadTest, TheExpiryIsTheCertificatesNotAfter) {
  auto r = TlsServerContext::Load(FilesOf(good_));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE((*r)->certificate().expires_at.has_value());
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>((*r)->certificate().expires_at->time_since_epoch().count()),
              static_cast<double>(now + 2 * 86400), 60.0);
}

TEST_F(TlsLoadTest, MissingFilesAreNamed) {
  const std::string missing = (dir_ / "missing.crt").string();
  std::string e = LoadError({missing, good_.key.string()});
  EXPECT_NE(e.find("cannot read the TLS certificate chain file " + missing), std::string::npos) << e;
  EXPECT_NE(e.find("No such file"), std::string::npos) << e;
  const std::string missing_key = (dir_ / "missing.key").string();
  e = LoadError({good_.cert.string(), missing_key});
  EXPECT_NE(e.find("cannot read the TLS private key file " + missing_key), std::string::npos) << e;
}

TEST_F(TlsLoadTest, GarbageMismatchedAndEncryptedKeysAreNamed) {
  const fs::path garbage = dir_ / "garbage.pem";
  WriteFile(garbage, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  std::string e = LoadError({garbage.string(), good_.key.string()});
  EXPECT_NE(e.find("the TLS certificate chain file " + garbage.string()), std::string::npos) << e;

  // A key file is never quoted in the error, even when it holds something else.
  e = LoadError({good_.cert.string(), good_.cert.string()});
  EXPECT_NE(e.find("the TLS private key file " + good_.cert.string() + " holds no usable PEM private key"),
            std::string::npos)
      << e;

  const TestCertificate other = MakeTestCertificate(dir_, "other");
  e = LoadError({good_.cert.string(), other.key.string()});
  EXPECT_NE(e.find("the TLS private key in " + other.key.string() + " does not belong to the certificate in " +
                   good_.cert.string()),
            std::string::npos)
      << e;

  const TestCertificate ec = MakeTestCertificate(dir_, "ec", "ec");
  e = LoadError({good_.cert.string(), ec.key.string()});
  EXPECT_NE(e.find("does not belong to the certificate"), std::string::npos) << e;

  // Weak keys are refused whatever the machine's openssl.cnf says.
  const TestCertificate weak = MakeTestCertificate(dir_, "weak", "rsa:1024");
  e = LoadError(FilesOf(weak));
  EXPECT_NE(e.find("the TLS certificate chain file " + weak.cert.string()), std::string::npos) << e;
  EXPECT_NE(e.find("too small"), std::string::npos) << e;

  const fs::path encrypted = dir_ / "encrypted.key";
  auto r = core::RunProcess(
      {"openssl", "pkey", "-in", good_.key.string(), "-aes256", "-passout", "pass:secret", "-out", encrypted.string()});
  ASSERT_TRUE(r && r->exit_code == 0) << (r ? r->output : r.error().message);
  e = LoadError({good_.cert.string(), encrypted.string()});  // must fail, not ask on the terminal
  EXPECT_NE(e.find("the TLS private key file " + encrypted.string()), std::string::npos) << e;
  EXPECT_NE(e.find("encrypted key is not supported"), std::string::npos) << e;
}

}  // namespace
}  // namespace tcj::http
