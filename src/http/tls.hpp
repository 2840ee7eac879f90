// http: TLS for the public listener: the OpenSSL server context (our protocol and cipher policy plus
// the certificate), and its reload from the same files without dropping connections.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace tcj::http {

struct TlsFiles {
  std::string certificate_chain_file;  // PEM: the server certificate first, then intermediates
  std::string private_key_file;        // PEM, unencrypted
};

// What a loaded certificate says, for the log and the expiry metric.
struct TlsCertificateInfo {
  std::string subject;    // one line, e.g. "CN=example.com"
  std::string serial;     // hex
  std::string not_after;  // e.g. "Dec  1 09:00:00 2027 GMT"
  // The same instant, for arithmetic (how long until it expires); nullopt when OpenSSL cannot
  // read the certificate's date (then nothing claims it expired).
  std::optional<std::chrono::sys_seconds> expires_at;
};

// The policy (DESIGN.md section 6, security-bar.md section 5): TLS 1.2 and 1.3 only; TLS 1.2 with
// ECDHE key exchange and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305); TLS 1.3 with OpenSSL's
// default suites (all AEAD, always with ephemeral key exchange); groups X25519 and P-256; the
// server's cipher order; no compression, no renegotiation, no session tickets.
inline constexpr std::string_view kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// OpenSSL's default TLS 1.3 suites, named so that no openssl.cnf can change them.
inline constexpr std::string_view kTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
inline constexpr std::string_view kTlsGroups = "X25519:P-256";
// Sent on every response of a TLS listener: browsers then use https only, for a year.
inline constexpr std::string_view kStrictTransportSecurity = "max-age=31536000";

// The server context new TLS connections take, replaced as a whole by Reload: a connection keeps
// the context it started with (OpenSSL counts its references), so a reload drops none.
// Thread-safe.
class TlsServerContext {
 public:
  // Builds the context from the files: the chain and the key are read and checked to belong
  // together. Errors (code tls.certificate or tls.key) name the file and say what is wrong with it.
  static core::Result<std::shared_ptr<TlsServerContext>> Load(TlsFiles files);

  // Builds a new context from the same files (replaced in place, e.g. by certbot) and, when that
  // succeeds, makes it the current one. On failure the current context stays and the error says why.
  core::Result<TlsCertificateInfo> Reload();

  // The context for a new connection. Never null.
  std::shared_ptr<ssl_ctx_st> Current() const;
  TlsCertificateInfo certificate() const;
  const TlsFiles& files() const { return files_; }

  struct Loaded {
    std::shared_ptr<ssl_ctx_st> context;
    TlsCertificateInfo certificate;
  };

 private:
  TlsServerContext(TlsFiles files, Loaded loaded);

  const TlsFiles files_;
  mutable std::mutex mutex_;
  Loaded current_;
};

// The reason label of a handshake that OpenSSL refused, from the error code it ended with
// (ERR_get_error): "plain_http", "protocol_version", "no_shared_cipher" (no cipher or group in
// common) or "other".
std::string_view TlsHandshakeFailureReason(unsigned long openssl_error);

}  // namespace tcj::http
