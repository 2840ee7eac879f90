#include "tenants/key_rotation.hpp"

#include <csignal>

#include <fmt/format.h>

#include "db/migrations.hpp"
#include "db/transaction.hpp"

namespace tcj::tenants {
namespace {

constexpr const char* kNoId = "00000000-0000-0000-0000-000000000000";

std::vector<core::TenantId> AllTenants(db::Pool& pool) {
  db::Transaction tx(pool);
  std::vector<core::TenantId> out;
  for (db::Row row : tx.Exec("SELECT maintenance_tenant_ids()")) out.emplace_back(row.String(0));
  return out;
}

}  // namespace

std::vector<KeyUsage> ReadKeyUsage(db::Pool& pool) {
  db::Transaction tx(pool);
  std::vector<KeyUsage> out;
  for (db::Row row : tx.Exec("SELECT column_name, coalesce(key_id, ''), records FROM maintenance_secret_key_usage() "
                             "ORDER BY 1, 2")) {
    out.push_back(KeyUsage{row.String(0), row.String(1), row.Int(2)});
  }
  return out;
}

ReencryptReport Reencrypt(db::Pool& pool, const SecretBox& box, const ReencryptOptions& options,
                          const ReencryptProgress& progress) {
  ReencryptReport report;
  const std::string active = box.keys().Active().id;
  const std::vector<core::TenantId> tenants = AllTenants(pool);
  for (const EncryptedColumn& column : kEncryptedColumns) {
    const std::string id = db::QuoteIdentifier(column.id_column);
    const std::string col = db::QuoteIdentifier(column.column);
    const std::string table = db::QuoteIdentifier(column.table);
    const std::string select = fmt::format(
        "SELECT {0}::text, {1} FROM {2} WHERE {1} IS NOT NULL AND secret_key_id({1}) IS DISTINCT FROM $1 "
        "AND {0} > $2::uuid ORDER BY {0} LIMIT $3 FOR UPDATE SKIP LOCKED",
        id, col, table);
    const std::string update = fmt::format("UPDATE {2} SET {1} = $1 WHERE {0} = $2::uuid AND {1} = $3", id, col, table);
    for (const core::TenantId& tenant : tenants) {
      std::string after = kNoId;  // keyset pagination, so unreadable rows are passed, not retried forever
      while (true) {
        db::TenantTransaction tx(pool, tenant);
        const db::Rows rows = tx.Exec(select, active, after, options.batch_size);
        if (rows.empty()) break;
        for (db::Row row : rows) {
          const std::string record = row.String(0);
          const std::string old_bytes = row.Bytes(1);
          after = record;
          auto opened = box.Open(column, tenant, record, EncryptedSecret::FromStored(old_bytes));
          if (!opened) {
            ++report.unreadable;
            continue;
          }
          const EncryptedSecret fresh = box.Seal(column, tenant, record, *opened);
          tx.Exec(update, db::Param::Bytes(fresh.stored()), record, db::Param::Bytes(old_bytes));
          ++report.reencrypted;
        }
        if (options.crash_after_batches >= 0 && report.batches >= options.crash_after_batches) {
          (void)std::raise(SIGKILL);  // does not return
        }
        tx.Commit();
        ++report.batches;
        if (progress) progress(column, report);
      }
    }
  }
  return report;
}

}  // namespace tcj::tenants
