#include "jira/delivery.hpp"

#include <thread>

namespace tcj::jira {
namespace {

template <typename SubmissionT, typename Send>
SubmissionT WithRetries(const RetryOptions& options, Send&& send) {
  for (int attempt = 0;; ++attempt) {
    SubmissionT outcome = send();
    if (outcome.delivered() || !outcome.error->retryable || attempt + 1 >= options.max_attempts) return outcome;
    const auto wait = options.backoff.Delay(attempt, outcome.error->retry_after);
    if (wait > options.max_wait) return outcome;
    if (options.sleep) {
      options.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }
}

}  // namespace

BuildsSubmission SubmitBuildsWithRetries(DevInfoClient& client, const Site& site, Authorizer& auth,
                                         const std::vector<PreparedRecord>& builds, const Properties& properties,
                                         const RetryOptions& options) {
  return WithRetries<BuildsSubmission>(options, [&] { return client.SubmitBuilds(site, auth, builds, properties); });
}

DeploymentsSubmission SubmitDeploymentsWithRetries(DevInfoClient& client, const Site& site, Authorizer& auth,
                                                   const std::vector<PreparedRecord>& deployments,
                                                   const Properties& properties, const RetryOptions& options) {
  return WithRetries<DeploymentsSubmission>(
      options, [&] { return client.SubmitDeployments(site, auth, deployments, properties); });
}

}  // namespace tcj::jira
