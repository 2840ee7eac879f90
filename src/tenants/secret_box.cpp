#include "tenants/secret_box.hpp"

#include <stdexcept>

#include "crypto/envelope.hpp"

namespace tcj::tenants {
namespace {

crypto::EncryptionContext ContextFor(const EncryptedColumn& column, const core::TenantId& tenant,
                                     std::string_view record_id) {
  return {{"tenant", tenant.str()}, {"purpose", std::string(ToString(column.purpose))}, {"cred", std::string(record_id)}};
}

}  // namespace

std::string_view ToString(SecretPurpose purpose) {
  switch (purpose) {
    case SecretPurpose::teamcity_credential: return "teamcity-credential";
    case SecretPurpose::connect_shared_secret: return "connect-shared-secret";
    case SecretPurpose::oauth_client_secret: return "oauth-client-secret";
    case SecretPurpose::teamcity_webhook_secret: return "teamcity-webhook-secret";
    case SecretPurpose::forge_system_token: return "forge-system-token";
  }
  return "unknown";
}

SecretMetrics::SecretMetrics(core::MetricsRegistry& registry)
    : decrypt_failures(registry.AddCounterFamily("secrets_decrypt_failures_total",
                                                 "Stored secrets that could not be decrypted, by reason.",
                                                 {"reason"})) {}

SecretBox::SecretBox(const crypto::KeySource& keys, crypto::RandomSource& random, SecretMetrics& metrics,
                     core::Logger log)
    : keys_(keys), random_(random), metrics_(metrics), log_(std::move(log)) {}

EncryptedSecret SecretBox::Seal(const EncryptedColumn& column, const core::TenantId& tenant,
                                std::string_view record_id, const core::Secret& plaintext) const {
  auto sealed = crypto::Encrypt(keys_, random_, ContextFor(column, tenant, record_id), plaintext.reveal());
  if (!sealed) throw std::runtime_error(sealed.error().message);  // only an OpenSSL failure gets here
  return EncryptedSecret::FromStored(std::move(*sealed));
}

core::Result<core::Secret> SecretBox::Open(const EncryptedColumn& column, const core::TenantId& tenant,
                                           std::string_view record_id, const EncryptedSecret& sealed) const {
  auto opened = crypto::Decrypt(keys_, ContextFor(column, tenant, record_id), sealed.stored());
  if (opened.ok()) return std::move(*opened.plaintext);
  const std::string_view reason = crypto::ToString(*opened.failure);
  metrics_.decrypt_failures.Labels({reason}).Inc();
  log_.Error("secrets.decrypt_failed", {{"reason", reason},
                                        {"column", column.Name()},
                                        {"tenant", tenant.str()},
                                        {"record", record_id},
                                        {"key_id", crypto::KeyIdOf(sealed.stored()).value_or("")}});
  return core::Error::Make(core::ErrorKind::unavailable, "secrets.unavailable",
                           "The stored credential is unavailable; enter it again.");
}

}  // namespace tcj::tenants
