// sync: the worker threads that claim jobs and run them; the one place job failures become retries.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/backoff.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "sync/queue.hpp"

namespace tcj::sync {

// What a handler says happened to its job.
struct JobOutcome {
  enum class Kind { done, again, retry, dead };
  Kind kind = Kind::done;
  std::chrono::milliseconds delay{0};
  std::string error;
  std::optional<std::chrono::seconds> retry_after;
  std::optional<std::string> payload;  // the job's new payload (progress of a resumable job)

  static JobOutcome Done() { return {}; }
  // Run again after delay as a fresh cycle (a recurring poll, the next part of a backfill).
  static JobOutcome Again(std::chrono::milliseconds delay, std::optional<std::string> payload = std::nullopt) {
    return {Kind::again, delay, "", std::nullopt, std::move(payload)};
  }
  // Failed in a way that trying later can fix; backoff grows with the attempts.
  static JobOutcome Retry(std::string error, std::optional<std::chrono::seconds> retry_after = std::nullopt) {
    return {Kind::retry, std::chrono::milliseconds(0), std::move(error), retry_after, std::nullopt};
  }
  static JobOutcome Dead(std::string reason) { return {Kind::dead, std::chrono::milliseconds(0), std::move(reason), std::nullopt, std::nullopt}; }
};

// Handed to a running job: it can extend its lease and learn that shutdown began.
class JobContext {
 public:
  virtual ~JobContext() = default;
  // Renews the lease. False when it was lost: the job must stop at once (another worker owns it
  // now), and lease_lost() says so from then on.
  bool KeepAlive() {
    if (!lost_ && !Renew()) lost_ = true;
    return !lost_;
  }
  bool lease_lost() const { return lost_; }
  virtual bool stopping() const = 0;

 private:
  virtual bool Renew() = 0;
  bool lost_ = false;
};

using JobHandler = std::function<JobOutcome(const Job&, JobContext&)>;

struct WorkerOptions {
  int threads = 4;
  std::chrono::seconds lease{60};
  int per_tenant = 2;      // jobs of one tenant running at once, across all processes
  int max_attempts = 8;    // retries before a job is dead
  core::Backoff backoff{{.base = std::chrono::seconds(2), .cap = std::chrono::minutes(10)}};
  std::chrono::milliseconds idle_wait{250};
};

struct WorkerMetrics {
  explicit WorkerMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& jobs;           // {kind, outcome}
  core::Family<core::Histogram>& duration;     // {kind}
  core::Family<core::Counter>& dead;           // {kind}
};

// Thread-safe. Handlers are registered before Start.
class Workers {
 public:
  Workers(JobQueue& queue, WorkerOptions options, core::Logger log, WorkerMetrics& metrics);
  ~Workers();

  void Register(JobKind kind, JobHandler handler);
  void Start();
  // Stops claiming, waits up to grace for jobs in flight, then hands every lease back.
  void Stop(std::chrono::milliseconds grace);
  // Work was enqueued here: idle workers look at once instead of after idle_wait.
  void Wake();

 private:
  void Loop(int index);
  void Run(const Job& job);

  JobQueue& queue_;
  WorkerOptions options_;
  core::Logger log_;
  WorkerMetrics& metrics_;
  std::map<JobKind, JobHandler> handlers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> threads_;
};

}  // namespace tcj::sync
