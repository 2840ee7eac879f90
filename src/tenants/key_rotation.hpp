// tenants: moving stored secrets to the active master key, and counting records per key.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/pool.hpp"
#include "tenants/secret_box.hpp"

namespace tcj::tenants {

struct KeyUsage {
  std::string column;  // table.column
  std::string key_id;
  std::int64_t records = 0;
};

// Records per (column, key id), across tenants, through the maintenance_secret_key_usage()
// function: counts only, never a secret.
std::vector<KeyUsage> ReadKeyUsage(db::Pool& pool);

struct ReencryptOptions {
  int batch_size = 100;
  // Test hook: after this many committed batches, kill the process with SIGKILL in the middle of
  // the next one (after its updates, before its commit). Negative: never.
  int crash_after_batches = -1;
};

struct ReencryptReport {
  std::int64_t reencrypted = 0;
  std::int64_t unreadable = 0;  // records no key of the keyring opens; left as they are
  std::int64_t batches = 0;
};

using ReencryptProgress = std::function<void(const EncryptedColumn& column, const ReencryptReport& so_far)>;

// Re-encrypts every record whose key id is not the active key's: for each encrypted column, for
// each tenant (under that tenant's row level security), in batches of one transaction each.
// Idempotent and resumable: a batch is all or nothing, and a rerun only finds what is left.
// Rows being changed meanwhile are skipped (SKIP LOCKED) or left alone (the update compares the
// old ciphertext first); a rerun picks them up.
ReencryptReport Reencrypt(db::Pool& pool, const SecretBox& box, const ReencryptOptions& options,
                          const ReencryptProgress& progress);

}  // namespace tcj::tenants
