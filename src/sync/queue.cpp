#include "sync/queue.hpp"

#include "core/uuid.hpp"
#include "db/transaction.hpp"

namespace tcj::sync {

std::string_view ToString(JobKind kind) {
  switch (kind) {
    case JobKind::poll:
      return "poll";
    case JobKind::send:
      return "send";
    case JobKind::backfill:
      return "backfill";
    case JobKind::delete_server:
      return "delete_server";
    case JobKind::forget_link:
      return "forget_link";
  }
  return "poll";
}

std::optional<JobKind> ParseJobKind(std::string_view text) {
  for (JobKind k : {JobKind::poll, JobKind::send, JobKind::backfill, JobKind::delete_server, JobKind::forget_link}) {
    if (ToString(k) == text) return k;
  }
  return std::nullopt;
}

void JobQueue::Enqueue(const core::TenantId& tenant, JobKind kind, const std::string& dedup_key,
                       const std::string& payload, std::chrono::milliseconds delay) {
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec(
      "INSERT INTO jobs (tenant_id, job_id, kind, dedup_key, payload, next_run_at) "
      "VALUES ($1, $2, $3, $4, $5::jsonb, now() + $6 * interval '1 millisecond') "
      "ON CONFLICT (tenant_id, dedup_key) WHERE state IN ('queued', 'running') DO UPDATE "
      // A job waiting out a failure (Retry-After, backoff) keeps its time: asking for it again
      // must not bring the retry forward.
      "SET next_run_at = CASE WHEN jobs.attempts > 0 THEN jobs.next_run_at "
      "ELSE least(jobs.next_run_at, excluded.next_run_at) END, updated_at = now() "
      "WHERE jobs.state = 'queued'",
      tenant, core::NewUuid(), std::string(ToString(kind)), dedup_key, payload, static_cast<long long>(delay.count()));
  tx.Commit();
}

std::vector<Job> JobQueue::Claim(int limit, std::chrono::seconds lease, int per_tenant) {
  db::Transaction tx(pool_);
  const db::Rows rows =
      tx.Exec("SELECT tenant_id, job_id, kind, payload::text, attempts FROM claim_jobs($1, $2, $3, $4)", worker_id_,
              limit, static_cast<int>(lease.count()), per_tenant);
  tx.Commit();
  std::vector<Job> jobs;
  for (db::Row row : rows) {
    const auto kind = ParseJobKind(row.Text(2));
    if (!kind) continue;
    jobs.push_back(
        Job{core::TenantId(row.String(0)), row.String(1), *kind, row.String(3), static_cast<int>(row.Int(4))});
  }
  return jobs;
}

bool JobQueue::Complete(const Job& job) {
  db::TenantTransaction tx(pool_, job.tenant);
  const bool held = tx.Exec(
                          "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = now() "
                          "WHERE tenant_id = $1 AND job_id = $2 AND state = 'running' AND lease_owner = $3",
                          job.tenant, job.id, worker_id_)
                        .affected() > 0;
  tx.Commit();
  return held;
}

bool JobQueue::Requeue(const Job& job, std::chrono::milliseconds delay, bool reset_attempts, std::string_view error,
                       const std::optional<std::string>& payload) {
  db::TenantTransaction tx(pool_, job.tenant);
  const bool held =
      tx.Exec(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, "
            "next_run_at = now() + $4 * interval '1 millisecond', attempts = CASE WHEN $5 THEN 0 ELSE attempts END, "
            "last_error = nullif($6, ''), payload = coalesce($7::jsonb, payload), updated_at = now() "
            "WHERE tenant_id = $1 AND job_id = $2 AND state = 'running' AND lease_owner = $3",
            job.tenant, job.id, worker_id_, static_cast<long long>(delay.count()), reset_attempts, std::string(error),
            payload)
          .affected() > 0;
  tx.Commit();
  return held;
}

bool JobQueue::Kill(const Job& job, std::string_view reason) {
  db::TenantTransaction tx(pool_, job.tenant);
  const bool held = tx.Exec(
                          "UPDATE jobs SET state = 'dead', dead_reason = $4, last_error = $4, lease_owner = NULL, "
                          "lease_until = NULL, updated_at = now() "
                          "WHERE tenant_id = $1 AND job_id = $2 AND state = 'running' AND lease_owner = $3",
                          job.tenant, job.id, worker_id_, std::string(reason))
                        .affected() > 0;
  tx.Commit();
  return held;
}

bool JobQueue::Heartbeat(const Job& job, std::chrono::seconds lease) {
  db::TenantTransaction tx(pool_, job.tenant, db::Durability::relaxed);  // a lost renewal only shortens the lease
  const bool held = tx.Exec(
                          "UPDATE jobs SET lease_until = now() + $4 * interval '1 second', updated_at = now() "
                          "WHERE tenant_id = $1 AND job_id = $2 AND state = 'running' AND lease_owner = $3",
                          job.tenant, job.id, worker_id_, static_cast<long long>(lease.count()))
                        .affected() > 0;
  tx.Commit();
  return held;
}

int JobQueue::ReleaseAll() {
  db::Transaction tx(pool_);
  const int n = static_cast<int>(tx.Exec("SELECT release_jobs($1)", worker_id_)[0].Int(0));
  tx.Commit();
  return n;
}

int JobQueue::KillTenantJobs(const core::TenantId& tenant, std::string_view reason) {
  db::TenantTransaction tx(pool_, tenant);
  const int n = static_cast<int>(tx.Exec("UPDATE jobs SET state = 'dead', dead_reason = $2, lease_owner = NULL, "
                                         "lease_until = NULL, updated_at = now() "
                                         "WHERE tenant_id = $1 AND state IN ('queued', 'running')",
                                         tenant, std::string(reason))
                                     .affected());
  tx.Commit();
  return n;
}

bool JobQueue::RunNow(const core::TenantId& tenant, const std::string& dedup_key) {
  db::TenantTransaction tx(pool_, tenant);
  const bool moved = tx.Exec(
                           "UPDATE jobs SET next_run_at = now(), updated_at = now() "
                           "WHERE tenant_id = $1 AND dedup_key = $2 AND state = 'queued' AND next_run_at > now()",
                           tenant, dedup_key)
                         .affected() > 0;
  tx.Commit();
  return moved;
}

int JobQueue::EnsurePollJobs() {
  db::Transaction tx(pool_);
  const int n = static_cast<int>(tx.Exec("SELECT ensure_poll_jobs()")[0].Int(0));
  tx.Commit();
  return n;
}

}  // namespace tcj::sync
