// tenants: the registry of Jira sites (tenants) and their sealed Jira-side secrets.
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "db/pool.hpp"
#include "tenants/secret_box.hpp"

namespace tcj::tenants {

enum class TenantKind { connect, oauth };

struct TenantRecord {
  core::TenantId id;
  TenantKind kind = TenantKind::connect;
  std::string site_url;
  std::string display_name;
  std::string state;  // active, disabled, uninstalled
};

// Thread-safe; each call is one TenantTransaction.
class TenantStore {
 public:
  TenantStore(db::Pool& pool, const SecretBox& box) : pool_(pool), box_(box) {}

  TenantRecord Create(TenantKind kind, const std::string& site_url, const std::string& display_name);
  std::optional<TenantRecord> Get(const core::TenantId& tenant);
  // Stores the Connect shared secret or the OAuth client secret (column picks which).
  void SetJiraSecret(const core::TenantId& tenant, const EncryptedColumn& column, const core::Secret& secret);
  core::Result<core::Secret> JiraSecret(const core::TenantId& tenant, const EncryptedColumn& column);

 private:
  db::Pool& pool_;
  const SecretBox& box_;
};

}  // namespace tcj::tenants
