#include "db/serve_registry.hpp"

#include <array>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "db/migrations.hpp"
#include "db/transaction.hpp"

namespace tcj::db {

std::optional<std::string> RegisterServe(Pool& pool, const ServeIdentity& identity) {
  Transaction tx(pool);
  const Rows rows = tx.ExecAndCommit("SELECT serve_process_register($1, $2, $3, $4)", identity.host, identity.pid,
                                     identity.version, identity.known_migration);
  return rows[0].OptionalString(0);
}

bool HeartbeatServe(Pool& pool, const std::string& process) {
  Transaction tx(pool);
  return tx.ExecAndCommit("SELECT serve_process_heartbeat($1)", process)[0].Bool(0);
}

void UnregisterServe(Pool& pool, const std::string& process) {
  Transaction tx(pool);
  tx.ExecAndCommit("SELECT serve_process_unregister($1)", process);
}

std::vector<LiveServe> LiveServes(Connection& conn, std::string_view schema) {
  const std::string function = QuoteIdentifier(schema) + ".serve_processes_live()";
  const std::array<Param, 1> name{Param(function)};
  if (conn.Exec("SELECT to_regprocedure($1) IS NULL", name)[0].Bool(0)) return {};
  std::vector<LiveServe> out;
  for (Row row :
       conn.Exec("SELECT host, pid, version, known_migration, started_at, seconds_since_heartbeat FROM " + function)) {
    out.push_back(LiveServe{row.String(0), static_cast<int>(row.Int(1)), row.String(2), static_cast<int>(row.Int(3)),
                            row.String(4), std::strtod(row.String(5).c_str(), nullptr)});
  }
  return out;
}

std::string Describe(const LiveServe& serve) {
  return fmt::format("host {} pid {} version {} (built with migrations up to {:04}, last heartbeat {} s ago)",
                     serve.host, serve.pid, serve.version, serve.known_migration,
                     std::lround(serve.seconds_since_heartbeat));
}

}  // namespace tcj::db
