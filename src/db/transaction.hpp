// db: transactions. Everything that touches tenant data goes through TenantTransaction.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::db {

// A transaction on a pooled connection; ROLLBACK on destruction unless Commit() was called. Not
// thread-safe. BEGIN (and the prelude, see TenantTransaction) is not sent on its own: it goes in
// one round trip with the first statement, and ExecAndCommit sends a one-statement transaction
// whole, so a read costs one round trip instead of four.
// Use it for data that belongs to no tenant (the migration table, the job scheduler through its
// SECURITY DEFINER functions). Tenant data is invisible here: row level security shows no rows
// when app.tenant_id is unset.
class Transaction {
 public:
  explicit Transaction(Pool& pool);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  template <typename... Args>
  Rows Exec(std::string_view sql, const Args&... args) {
    const std::array<Param, sizeof...(Args)> params{Param(args)...};
    return ExecParams(sql, params);
  }
  Rows ExecParams(std::string_view sql, std::span<const Param> params);

  // The statement and COMMIT; nothing may follow.
  template <typename... Args>
  Rows ExecAndCommit(std::string_view sql, const Args&... args) {
    const std::array<Param, sizeof...(Args)> params{Param(args)...};
    return ExecAndCommitParams(sql, params);
  }
  Rows ExecAndCommitParams(std::string_view sql, std::span<const Param> params);

  void Commit();

  // A statement sent right after BEGIN, with the first statement (before anything is sent).
  void SetPrelude(std::string sql, std::vector<Param> params);

 private:
  // BEGIN and the prelude (once), then `sql`, then COMMIT if `commit`: one round trip.
  Rows Send(std::string_view sql, std::span<const Param> params, bool commit);

  Pool::Lease lease_;
  std::string prelude_;
  std::vector<Param> prelude_params_;
  bool begun_ = false;
  bool finished_ = false;
};

// How a commit waits for the disk. relaxed (synchronous_commit off): COMMIT returns before the WAL
// is flushed, so a crash of PostgreSQL itself (not of our process) can lose the last fraction of a
// second of such commits, all together and in order. Only for writes that are replayed anyway
// when lost: the sync engine's, whose source of truth is TeamCity and whose sends are idempotent.
enum class Durability { durable, relaxed };

// A transaction in which app.tenant_id is set (SET LOCAL, right after BEGIN), so row level
// security limits every statement to this tenant's rows, whatever the SQL says. The setting ends
// with the transaction, so a pooled connection never carries it over.
class TenantTransaction {
 public:
  TenantTransaction(Pool& pool, core::TenantId tenant, Durability durability = Durability::durable);

  template <typename... Args>
  Rows Exec(std::string_view sql, const Args&... args) {
    return tx_.Exec(sql, args...);
  }
  Rows ExecParams(std::string_view sql, std::span<const Param> params) { return tx_.ExecParams(sql, params); }
  template <typename... Args>
  Rows ExecAndCommit(std::string_view sql, const Args&... args) {
    return tx_.ExecAndCommit(sql, args...);
  }
  void Commit() { tx_.Commit(); }
  const core::TenantId& tenant() const { return tenant_; }

 private:
  Transaction tx_;
  core::TenantId tenant_;
};

}  // namespace tcj::db
