#include "sync/workers.hpp"

#include "db/error.hpp"

namespace tcj::sync {
namespace {

// How long a job waits when the database failed under it (it is also when PostgreSQL's restart
// usually ends).
constexpr std::chrono::seconds kAfterDatabaseOutage{5};

class LeasedJob final : public JobContext {
 public:
  LeasedJob(JobQueue& queue, const Job& job, std::chrono::seconds lease, const std::atomic<bool>& stopping)
      : queue_(queue), job_(job), lease_(lease), stopping_(stopping) {}
  bool stopping() const override { return stopping_; }

 private:
  bool Renew() override { return queue_.Heartbeat(job_, lease_); }
  JobQueue& queue_;
  const Job& job_;
  std::chrono::seconds lease_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

WorkerMetrics::WorkerMetrics(core::MetricsRegistry& registry)
    : jobs(registry.AddCounterFamily("sync_jobs_total", "Jobs run, by kind and outcome.", {"kind", "outcome"})),
      duration(registry.AddHistogramFamily("sync_job_duration_seconds", "How long jobs ran.", {"kind"},
                                           core::LatencyBuckets())),
      dead(registry.AddCounterFamily("sync_jobs_dead_total", "Jobs given up on.", {"kind"})) {}

Workers::Workers(JobQueue& queue, WorkerOptions options, core::Logger log, WorkerMetrics& metrics)
    : queue_(queue), options_(std::move(options)), log_(std::move(log)), metrics_(metrics) {}

Workers::~Workers() { Stop(std::chrono::milliseconds(0)); }

void Workers::Register(JobKind kind, JobHandler handler) { handlers_[kind] = std::move(handler); }

void Workers::Start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void Workers::Wake() { wake_.notify_all(); }

void Workers::Stop(std::chrono::milliseconds grace) {
  if (threads_.empty()) return;
  stopping_ = true;
  wake_.notify_all();
  const auto until = std::chrono::steady_clock::now() + grace;
  while (in_flight_ > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Jobs still running past the grace period are handed back now; their threads notice that the
  // lease is gone at their next KeepAlive.
  try {
    const int released = queue_.ReleaseAll();
    if (released > 0) log_.Info("sync.jobs_released", {{"jobs", released}});
  } catch (const db::DbError& e) {
    log_.Warn("sync.release_failed", {{"error", e.what()}});  // leases expire by themselves
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Workers::Loop(int index) {
  while (!stopping_) {
    std::vector<Job> jobs;
    try {
      jobs = queue_.Claim(1, options_.lease, options_.per_tenant);
    } catch (const db::DbError& e) {
      log_.Warn("sync.claim_failed", {{"worker", index}, {"error", e.what()}});
    }
    if (jobs.empty()) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.idle_wait, [this] { return stopping_.load(); });
      continue;
    }
    for (const Job& job : jobs) {
      ++in_flight_;
      Run(job);
      --in_flight_;
    }
  }
}

void Workers::Run(const Job& job) {
  const auto kind = std::string(ToString(job.kind));
  const auto started = std::chrono::steady_clock::now();
  JobOutcome outcome;
  const auto handler = handlers_.find(job.kind);
  if (handler == handlers_.end()) {
    outcome = JobOutcome::Dead("no handler for jobs of kind " + kind);
  } else {
    LeasedJob context(queue_, job, options_.lease, stopping_);
    try {
      outcome = handler->second(job, context);
    } catch (const db::DbError& e) {
      // The one place a job's database failure becomes its outcome. An outage (PostgreSQL
      // restarting, no free connection) is nobody's fault: the job comes back later without
      // spending an attempt, having committed nothing it would not redo. Anything else is a retry.
      outcome = e.retryable() ? JobOutcome::Again(kAfterDatabaseOutage)
                              : JobOutcome::Retry(std::string("database: ") + e.what());
      log_.Warn("sync.job_database_error", {{"kind", kind}, {"tenant", job.tenant.str()}, {"error", e.what()}});
    } catch (const std::exception& e) {
      outcome = JobOutcome::Retry(std::string("unexpected: ") + e.what());
    }
  }
  metrics_.duration.Labels({kind}).Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  try {
    switch (outcome.kind) {
      case JobOutcome::Kind::done:
        queue_.Complete(job);
        metrics_.jobs.Labels({kind, "done"}).Inc();
        break;
      case JobOutcome::Kind::again:
        queue_.Requeue(job, outcome.delay, /*reset_attempts=*/true, "", outcome.payload);
        metrics_.jobs.Labels({kind, "again"}).Inc();
        break;
      case JobOutcome::Kind::retry:
        if (job.attempts >= options_.max_attempts) {
          const std::string reason = "gave up after " + std::to_string(job.attempts) + " attempts: " + outcome.error;
          queue_.Kill(job, reason);
          metrics_.jobs.Labels({kind, "dead"}).Inc();
          metrics_.dead.Labels({kind}).Inc();
          log_.Error("sync.job_dead", {{"kind", kind}, {"tenant", job.tenant.str()}, {"reason", reason}});
        } else {
          const auto delay = options_.backoff.Delay(job.attempts - 1, outcome.retry_after);
          queue_.Requeue(job, delay, /*reset_attempts=*/false, outcome.error, outcome.payload);
          metrics_.jobs.Labels({kind, "retry"}).Inc();
          log_.Info("sync.job_retry", {{"kind", kind},
                                       {"tenant", job.tenant.str()},
                                       {"attempt", job.attempts},
                                       {"delay_ms", static_cast<std::int64_t>(delay.count())},
                                       {"error", outcome.error}});
        }
        break;
      case JobOutcome::Kind::dead:
        queue_.Kill(job, outcome.error);
        metrics_.jobs.Labels({kind, "dead"}).Inc();
        metrics_.dead.Labels({kind}).Inc();
        log_.Error("sync.job_dead", {{"kind", kind}, {"tenant", job.tenant.str()}, {"reason", outcome.error}});
        break;
    }
  } catch (const db::DbError& e) {
    // The lease runs out and the job comes back: nothing is lost.
    log_.Warn("sync.job_update_failed", {{"kind", kind}, {"tenant", job.tenant.str()}, {"error", e.what()}});
  }
}

}  // namespace tcj::sync
