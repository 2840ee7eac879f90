#include "db/transaction.hpp"

#include <cassert>

#include "core/uuid.hpp"
#include "db/error.hpp"

namespace tcj::db {

Transaction::Transaction(Pool& pool) : lease_(pool.Acquire()) {}

Transaction::~Transaction() {
  if (!begun_ || finished_ || !lease_->healthy()) {
    return;
  }
  try {
    lease_->Exec("ROLLBACK");
  } catch (const DbError&) {
    // The pool sees the connection is not idle or not healthy and closes it.
  }
}

void Transaction::SetPrelude(std::string sql, std::vector<Param> params) {
  assert(!begun_);
  prelude_ = std::move(sql);
  prelude_params_ = std::move(params);
}

Rows Transaction::Send(std::string_view sql, std::span<const Param> params, bool commit) {
  assert(!finished_);
  if (begun_ && !commit) return lease_->Exec(sql, params);
  std::vector<Connection::Statement> statements;
  if (!begun_) {
    statements.push_back({"BEGIN", {}});
    if (!prelude_.empty()) statements.push_back({prelude_, prelude_params_});
  }
  statements.push_back({sql, params});
  if (commit) statements.push_back({"COMMIT", {}});
  begun_ = true;
  auto answers = lease_->ExecPipeline(statements);
  if (commit) finished_ = true;
  return std::move(answers[commit ? answers.size() - 2 : answers.size() - 1]);
}

Rows Transaction::ExecParams(std::string_view sql, std::span<const Param> params) {
  return Send(sql, params, false);
}

Rows Transaction::ExecAndCommitParams(std::string_view sql, std::span<const Param> params) {
  return Send(sql, params, true);
}

void Transaction::Commit() {
  assert(!finished_);
  if (!begun_) {
    finished_ = true;  // nothing was sent: there is nothing to commit
    return;
  }
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
  tx_.SetPrelude("SELECT set_config('app.tenant_id', $1, true), set_config('synchronous_commit', $2, true)",
                 {Param(tenant_.str()), Param(durability == Durability::relaxed ? "off" : "on")});
}

}  // namespace tcj::db
