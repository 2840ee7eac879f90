// sync: the job queue on PostgreSQL, shared by every `serve` process.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"

namespace tcj::sync {

enum class JobKind { poll, send, backfill, delete_server, forget_link };

std::string_view ToString(JobKind kind);
std::optional<JobKind> ParseJobKind(std::string_view text);

struct Job {
  core::TenantId tenant;
  std::string id;
  JobKind kind = JobKind::poll;
  std::string payload;  // JSON
  int attempts = 0;     // counting this run
};

// Jobs are claimed with FOR UPDATE SKIP LOCKED (two workers never take the same job) and leased:
// a job whose worker died comes back when its lease expires. Every change after the claim checks
// that this worker still holds the lease, so a worker that lost it cannot overwrite the next
// holder's work. Thread-safe.
class JobQueue {
 public:
  JobQueue(db::Pool& pool, std::string worker_id) : pool_(pool), worker_id_(std::move(worker_id)) {}

  // Adds a job unless one with this dedup key is queued or running; a queued one is brought
  // forward when this one is due earlier, unless it is waiting out a failure (its backoff or a
  // Retry-After stands).
  void Enqueue(const core::TenantId& tenant, JobKind kind, const std::string& dedup_key, const std::string& payload = "{}",
               std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  std::vector<Job> Claim(int limit, std::chrono::seconds lease, int per_tenant);

  // Ends a job for good.
  bool Complete(const Job& job);
  // Queues it again after delay (a recurring poll, or a retry). reset_attempts for a new cycle.
  bool Requeue(const Job& job, std::chrono::milliseconds delay, bool reset_attempts, std::string_view error = "",
               const std::optional<std::string>& payload = std::nullopt);
  // Gives up: the job stays, dead, with the reason (an admin can see it and requeue it).
  bool Kill(const Job& job, std::string_view reason);
  // Extends the lease of a long job; false when the lease was lost (stop working on it).
  bool Heartbeat(const Job& job, std::chrono::seconds lease);

  // Hands back every job this worker holds (shutdown): they run again at once elsewhere.
  int ReleaseAll();
  // Every queued or running job of the tenant becomes dead (uninstall); nothing runs for it again.
  int KillTenantJobs(const core::TenantId& tenant, std::string_view reason);
  // Brings the tenant's queued job with this key forward to now (a webhook's early poll).
  bool RunNow(const core::TenantId& tenant, const std::string& dedup_key);
  // Gives every server a poll job (startup; cheap when all have one).
  int EnsurePollJobs();

  const std::string& worker_id() const { return worker_id_; }

 private:
  db::Pool& pool_;
  std::string worker_id_;
};

}  // namespace tcj::sync
