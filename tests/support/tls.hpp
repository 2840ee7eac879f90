// Test support: throwaway certificates, and a blocking TLS client (OpenSSL) for HTTPS on
// 127.0.0.1 that offers exactly the protocol versions, ciphers and groups a test asks for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "support/raw_http.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace tcj::testing {

struct TestCertificate {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM, unencrypted
};

// A self-signed certificate (its own CA) for localhost and 127.0.0.1 with subject CN=<name>, valid
// for two days, made by the openssl command line into dir as <name>.crt and <name>.key. key_type:
// "ec" (P-256) or what `openssl req -newkey` takes ("rsa:2048"). A failure fails the test.
TestCertificate MakeTestCertificate(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& key_type = "rsa:2048");

struct TlsClientOptions {
  std::string ca_file{};      // verify the chain against it and the name "localhost"; empty: no check
  int max_version = 0;        // e.g. TLS1_2_VERSION; 0: the highest
  std::string cipher_list{};  // TLS 1.2 ciphers offered; empty: OpenSSL's default
  std::string groups{};       // groups offered; empty: OpenSSL's default
};

// One connection, handshaken in the constructor. The client offers anything asked for (security
// level 0), so a refusal always comes from the server. Every read waits at most 10 seconds.
class TlsClient {
 public:
  explicit TlsClient(std::uint16_t port, const TlsClientOptions& options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }  // why the handshake failed
  std::string version() const;                         // e.g. "TLSv1.3"
  std::string peer_subject() const;                    // e.g. "/CN=localhost"

  bool Send(std::string_view bytes);
  // One response: headers, then a Content-Length body. nullopt when the connection ends first.
  std::optional<RawResponse> ReadResponse();
  std::optional<RawResponse> Get(std::string_view path, std::string_view extra_headers = {});
  // True when the server ends the connection (close_notify or EOF) within the deadline.
  bool WaitForClose();
  // Whether the server's close_notify came.
  bool got_close_notify() const;

 private:
  bool Fill();

  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string error_;
  std::string buffer_;
};

}  // namespace tcj::testing
