// The doctor's checks of this machine's files and settings: keyring, TLS, public URL.
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>

#include "app/doctor_checks.hpp"
#include "core/errno_text.hpp"
#include "crypto/keyring.hpp"
#include "http/tls.hpp"

namespace tcj::app::doctor {

Finding CheckKeyring(const Context& context) {
  const std::string& file = context.config.secrets.keyring_file;
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT && context.config.database.embedded()) {
      // OpenKeyring creates it for the embedded database at serve's first start.
      return Warning("keyring", file + " does not exist yet",
                     "serve creates it at its first start with the embedded database; back it up apart from the "
                     "data then");
    }
    if (error == ENOENT) {
      return Failure("keyring", file + " does not exist",
                     "point secrets.keyring_file at the keyring this database's records were encrypted with, or "
                     "create a first one with " +
                         context.Command("keys generate --output " + file));
    }
    return Failure("keyring", fmt::format("cannot read {}: {}", file, core::ErrnoText(error)),
                   "give the service's user access to it (and nobody else)");
  }
  const auto mode = static_cast<unsigned>(info.st_mode) & 0777U;
  if ((mode & 077U) != 0) {
    return Failure("keyring",
                   fmt::format("{} has mode {:04o}: group or others have access to the master keys", file, mode),
                   fmt::format("`chmod 600 {}` (serve refuses to load it as it is)", file));
  }
  auto ring = crypto::Keyring::Load(file);  // its messages never hold key material
  if (!ring) {
    return Failure("keyring", ring.error().message, "restore the keyring from its backup");
  }
  return EvaluateKeyAge(ring->Active().id, context.clock.Now(), context.Command("keys rotate"));
}

Finding CheckTls(const Context& context) {
  const config::ServerConfig& server = context.config.server;
  if (server.tls_cert_file.empty() && server.tls_key_file.empty()) {
    const std::string where = fmt::format("{}:{}", server.listen.host, server.listen.port);
    return Ok("TLS", "not terminated here: plain HTTP on " + where +
                         " (fine behind a TLS-terminating proxy, which server.public_url then names with https)");
  }
  if (server.tls_cert_file.empty() || server.tls_key_file.empty()) {
    return Failure("TLS", "only one of server.tls_cert_file and server.tls_key_file is set",
                   "set both (the certificate chain and its private key), or neither");
  }
  // What serve loads at its start: both files readable, the key matching the certificate.
  auto loaded = http::TlsServerContext::Load({server.tls_cert_file, server.tls_key_file});
  if (!loaded) {
    return Failure("TLS", loaded.error().message,
                   "fix the files named (PEM, the certificate first, an unencrypted key that belongs to it)");
  }
  const http::TlsCertificateInfo certificate = (*loaded)->certificate();
  if (!certificate.expires_at) {
    return Warning("TLS", "the certificate of " + certificate.subject + " loads, but its expiry date cannot be read",
                   "check it with `openssl x509 -noout -enddate -in " + server.tls_cert_file + "`");
  }
  return EvaluateCertificateExpiry(*certificate.expires_at, context.clock.Now(), certificate.subject);
}

Finding CheckPublicUrl(const Context& context) {
  return EvaluatePublicUrl(context.config.server.public_url, !context.config.forge.app_id.empty());
}

}  // namespace tcj::app::doctor
