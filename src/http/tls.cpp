#include "http/tls.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>

#include "core/errno_text.hpp"

namespace tcj::http {
namespace {

using core::Error;
using core::ErrorKind;

// What OpenSSL's error queue says (at most three entries, "library: reason"), and the queue emptied.
std::string TakeOpenSslErrors() {
  std::string text;
  int kept = 0;
  while (const unsigned long e = ERR_get_error()) {
    if (kept == 3) continue;
    const char* lib = ERR_lib_error_string(e);
    const char* reason = ERR_reason_error_string(e);
    if (!text.empty()) text += "; ";
    text += lib != nullptr ? lib : "OpenSSL";
    text += ": ";
    text += reason != nullptr ? reason : "unknown error";
    ++kept;
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

Error CertificateError(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "tls.certificate", std::move(message));
}
Error KeyError(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "tls.key", std::move(message));
}

// A file we cannot open gets the system's reason (missing, permissions) rather than OpenSSL's.
std::optional<std::string> Unreadable(const std::string& path) {
  if (path.empty()) return "no file name given";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return core::ErrnoText(errno);
  (void)std::fclose(f);  // opened for reading only: nothing to lose if closing fails
  return std::nullopt;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

TlsCertificateInfo Describe(X509* cert) {
  TlsCertificateInfo info;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  info.subject = BioText(bio.get());
  BIO_reset(bio.get());
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert));
  info.not_after = BioText(bio.get());
  if (std::tm tm{}; ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
    info.expires_at = std::chrono::sys_seconds{std::chrono::seconds{timegm(&tm)}};
  }
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      info.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  return info;
}

// A private key file is never allowed to ask for a passphrase on the terminal: an encrypted key
// fails to load instead.
int NoPassphrase(char*, int, int, void*) {
  return 0;
}

core::Result<TlsServerContext::Loaded> Build(const TlsFiles& files) {
  ERR_clear_error();
  const std::string& cert_file = files.certificate_chain_file;
  const std::string& key_file = files.private_key_file;
  if (auto why = Unreadable(cert_file)) {
    return CertificateError("cannot read the TLS certificate chain file " + cert_file + ": " + *why);
  }
  if (auto why = Unreadable(key_file)) {
    return KeyError("cannot read the TLS private key file " + key_file + ": " + *why);
  }

  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    return Error::Make(ErrorKind::internal, "tls.context", "cannot create a TLS context: " + TakeOpenSslErrors());
  }
  SSL_CTX* c = ctx.get();
  // The policy is set here in full rather than inherited from the system's openssl.cnf, so that
  // what the listener accepts does not depend on the machine.
  // Security level 2: keys of at least 112 bits of strength (RSA 2048, ECDSA P-256), no SHA-1.
  SSL_CTX_set_security_level(c, 2);
  const bool policy_set = SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
                          SSL_CTX_set_max_proto_version(c, 0) == 1 &&
                          SSL_CTX_set_cipher_list(c, std::string(kTls12Ciphers).c_str()) == 1 &&
                          SSL_CTX_set_ciphersuites(c, std::string(kTls13Suites).c_str()) == 1 &&
                          SSL_CTX_set1_groups_list(c, std::string(kTlsGroups).c_str()) == 1;
  if (!policy_set) {
    return Error::Make(ErrorKind::internal, "tls.context", "cannot apply the TLS policy: " + TakeOpenSslErrors());
  }
  // Session tickets are off: a TLS 1.2 ticket is encrypted with a long-lived key that would undo
  // forward secrecy for resumed sessions unless rotated, so there is no ticket key to rotate.
  // Resumption still works through the in-memory session cache of this context (never on disk),
  // which a reload starts afresh.
  SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_default_passwd_cb(c, NoPassphrase);

  if (SSL_CTX_use_certificate_chain_file(c, cert_file.c_str()) != 1) {
    return CertificateError("the TLS certificate chain file " + cert_file +
                            " holds no usable PEM certificate: " + TakeOpenSslErrors());
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_file(key_file.c_str(), "rb"), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr) : nullptr, EVP_PKEY_free);
  if (!key) {
    return KeyError("the TLS private key file " + key_file +
                    " holds no usable PEM private key (an encrypted key is not supported): " + TakeOpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey(c, key.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    return KeyError("the TLS private key in " + key_file + " does not belong to the certificate in " + cert_file);
  }
  X509* leaf = SSL_CTX_get0_certificate(c);
  if (leaf == nullptr) return CertificateError("the TLS certificate chain file " + cert_file + " holds no certificate");
  return TlsServerContext::Loaded{std::move(ctx), Describe(leaf)};
}

}  // namespace

TlsServerContext::TlsServerContext(TlsFiles files, Loaded loaded)
    : files_(std::move(files)), current_(std::move(loaded)) {}

core::Result<std::shared_ptr<TlsServerContext>> TlsServerContext::Load(TlsFiles files) {
  auto loaded = Build(files);
  if (!loaded) return std::move(loaded).take_error();
  return std::shared_ptr<TlsServerContext>(new TlsServerContext(std::move(files), std::move(loaded).value()));
}

core::Result<TlsCertificateInfo> TlsServerContext::Reload() {
  auto loaded = Build(files_);  // outside the lock: connections keep being accepted meanwhile
  if (!loaded) return std::move(loaded).take_error();
  TlsCertificateInfo info = loaded->certificate;
  std::lock_guard lock(mutex_);
  current_ = std::move(loaded).value();
  return info;
}

std::shared_ptr<ssl_ctx_st> TlsServerContext::Current() const {
  std::lock_guard lock(mutex_);
  return current_.context;
}

TlsCertificateInfo TlsServerContext::certificate() const {
  std::lock_guard lock(mutex_);
  return current_.certificate;
}

std::string_view TlsHandshakeFailureReason(unsigned long openssl_error) {
  switch (ERR_GET_REASON(openssl_error)) {
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return "plain_http";
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_UNKNOWN_PROTOCOL:
      return "protocol_version";
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
      return "no_shared_cipher";
    default:
      return "other";
  }
}

}  // namespace tcj::http
