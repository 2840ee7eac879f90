// tenants: SecretBox, the only way repository code stores and reads a secret column.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/keys.hpp"
#include "crypto/random.hpp"

namespace tcj::tenants {

enum class SecretPurpose {
  teamcity_credential,
  connect_shared_secret,
  oauth_client_secret,
  teamcity_webhook_secret,
  forge_system_token,
};

std::string_view ToString(SecretPurpose purpose);

// A column that holds envelope ciphertexts. The record id and the tenant come from the row and
// become the encryption context, with the purpose.
struct EncryptedColumn {
  std::string_view table;
  std::string_view id_column;  // uuid primary key column of the record (with tenant_id)
  std::string_view column;
  SecretPurpose purpose;
  std::string Name() const { return std::string(table) + "." + std::string(column); }
};

inline constexpr EncryptedColumn kConnectSharedSecret{"tenants", "tenant_id", "connect_shared_secret",
                                                      SecretPurpose::connect_shared_secret};
inline constexpr EncryptedColumn kOAuthClientSecret{"tenants", "tenant_id", "oauth_client_secret",
                                                    SecretPurpose::oauth_client_secret};
inline constexpr EncryptedColumn kTeamCityCredentials{"teamcity_servers", "server_id", "credentials",
                                                      SecretPurpose::teamcity_credential};

inline constexpr EncryptedColumn kWebhookSecret{"teamcity_servers", "server_id", "webhook_secret",
                                                SecretPurpose::teamcity_webhook_secret};

inline constexpr EncryptedColumn kForgeSystemToken{"forge_installations", "record_id", "system_token",
                                                   SecretPurpose::forge_system_token};

// Every encrypted column. `keys reencrypt` and `keys status` walk this list, and a pg test checks
// that every bytea column of the schema is on it.
inline constexpr std::array<EncryptedColumn, 5> kEncryptedColumns = {
    kConnectSharedSecret, kOAuthClientSecret, kTeamCityCredentials, kWebhookSecret, kForgeSystemToken};

// A sealed value as stored: opaque bytes. Made by SecretBox::Seal, or read back from its column.
class EncryptedSecret {
 public:
  static EncryptedSecret FromStored(std::string bytes) { return EncryptedSecret(std::move(bytes)); }
  const std::string& stored() const { return bytes_; }

 private:
  explicit EncryptedSecret(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string bytes_;
};

struct SecretMetrics {
  explicit SecretMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& decrypt_failures;
};

// Thread-safe. Decryption failures come back as one generic error; the reason goes to the log
// and to secrets_decrypt_failures_total{reason}, never with the ciphertext or the plaintext.
class SecretBox {
 public:
  SecretBox(const crypto::KeySource& keys, crypto::RandomSource& random, SecretMetrics& metrics, core::Logger log);

  EncryptedSecret Seal(const EncryptedColumn& column, const core::TenantId& tenant, std::string_view record_id,
                       const core::Secret& plaintext) const;
  core::Result<core::Secret> Open(const EncryptedColumn& column, const core::TenantId& tenant,
                                  std::string_view record_id, const EncryptedSecret& sealed) const;

  const crypto::KeySource& keys() const { return keys_; }

 private:
  const crypto::KeySource& keys_;
  crypto::RandomSource& random_;
  SecretMetrics& metrics_;
  core::Logger log_;
};

}  // namespace tcj::tenants
