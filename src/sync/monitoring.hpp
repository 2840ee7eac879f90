// sync: what the monitoring kit reads of the whole database: the live job queue and each server's sync lag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"
#include "sync/queue.hpp"

namespace tcj::sync {

// Live jobs of one kind in one state (queued or running), across every tenant.
struct QueueDepth {
  JobKind kind = JobKind::poll;
  std::string state;
  std::int64_t jobs = 0;
  std::int64_t oldest_due_seconds = 0;  // of the queued jobs that are due; 0 when none is
};

// Seconds since a server's last successful poll (since it was added, when it never had one).
struct ServerLag {
  core::ServerId server;
  std::int64_t seconds = 0;
};

struct MonitoringSnapshot {
  std::vector<QueueDepth> queue;   // only the kinds and states that have jobs
  std::vector<ServerLag> servers;  // servers of active sites that are not being removed
};

// Both, in one round trip, through the SECURITY DEFINER functions of migration 0021 (the runtime
// role sees one tenant at a time). Throws db::DbError when the database cannot answer.
MonitoringSnapshot ReadMonitoringSnapshot(db::Pool& pool);

}  // namespace tcj::sync
