#include "db/transaction.hpp"

#include <cassert>

#include "core/uuid.hpp"
#include "db/error.hpp"

namespace tcj::db {

Transaction::Transaction(Pool& pool) : lease_(pool.Acquire()) { lease_->Exec("BEGIN"); }

Transaction::~Transaction() {
  if (finished_ || !lease_->healthy()) {
    return;
  }
  try {
    lease_->Exec("ROLLBACK");
  } catch (const DbError&) {
    // The pool sees the connection is not idle or not healthy and closes it.
  }
}

Rows Transaction::ExecParams(std::string_view sql, std::span<const Param> params) {
  assert(!finished_);
  return lease_->Exec(sql, params);
}

void Transaction::Commit() {
  assert(!finished_);
  if (lease_->in_failed_transaction()) {
    // PostgreSQL would answer COMMIT with a silent ROLLBACK; say it loudly instead.
    throw DbError(DbErrorKind::other, "25P02", "cannot commit: an earlier statement of this transaction failed");
  }
  lease_->Exec("COMMIT");
  finished_ = true;
}

TenantTransaction::TenantTransaction(Pool& pool, core::TenantId tenant, Durability durability)
    : tx_(pool), tenant_(std::move(tenant)) {
  assert(core::IsUuid(tenant_.str()));
  tx_.Exec("SELECT set_config('app.tenant_id', $1, true), set_config('synchronous_commit', $2, true)", tenant_.str(),
           durability == Durability::relaxed ? "off" : "on");
}

}  // namespace tcj::db
