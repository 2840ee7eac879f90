// jira: submitting with short in-process retries; longer waits are for the caller's job queue.
#pragma once

#include <chrono>
#include <functional>

#include "core/backoff.hpp"
#include "jira/devinfo_client.hpp"

namespace tcj::jira {

struct RetryOptions {
  int max_attempts = 3;
  // A retry that would wait longer than this is left to the caller (who reschedules the job).
  std::chrono::milliseconds max_wait{10'000};
  core::Backoff backoff{{.base = std::chrono::milliseconds(500), .cap = std::chrono::seconds(10)}};
  std::function<void(std::chrono::milliseconds)> sleep{};  // unset: std::this_thread::sleep_for
};

// Retries retryable failures after options.backoff (so a Retry-After is always waited out,
// never cut short) while attempts remain and the wait fits max_wait. Returns the last outcome.
// The records are the outbox's, in their request form.
BuildsSubmission SubmitBuildsWithRetries(DevInfoClient& client, const Site& site, Authorizer& auth,
                                         const std::vector<PreparedRecord>& builds, const Properties& properties,
                                         const RetryOptions& options);
DeploymentsSubmission SubmitDeploymentsWithRetries(DevInfoClient& client, const Site& site, Authorizer& auth,
                                                   const std::vector<PreparedRecord>& deployments,
                                                   const Properties& properties, const RetryOptions& options);

}  // namespace tcj::jira
