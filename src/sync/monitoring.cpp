#include "sync/monitoring.hpp"

#include "db/transaction.hpp"

namespace tcj::sync {

MonitoringSnapshot ReadMonitoringSnapshot(db::Pool& pool) {
  db::Transaction tx(pool);
  const db::Rows rows = tx.ExecAndCommit(
      "SELECT 'queue', kind, state, jobs, round(oldest_due_seconds)::bigint FROM monitoring_queue() "
      "UNION ALL "
      "SELECT 'lag', server_id::text, '', round(seconds_since_success)::bigint, 0 FROM monitoring_server_lag()");
  MonitoringSnapshot snapshot;
  for (db::Row row : rows) {
    if (row.Text(0) == "lag") {
      snapshot.servers.push_back(ServerLag{core::ServerId(row.String(1)), row.Int(3)});
      continue;
    }
    // A kind this build does not know (a newer process added it) is left out rather than mislabelled.
    const auto kind = ParseJobKind(row.Text(1));
    if (!kind) continue;
    snapshot.queue.push_back(QueueDepth{*kind, row.String(2), row.Int(3), row.Int(4)});
  }
  return snapshot;
}

}  // namespace tcj::sync
