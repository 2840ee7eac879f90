// jira: the one DevInfo client the sync engine uses, whatever kind of site it serves.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "http/client.hpp"
#include "jira/devinfo_model.hpp"
#include "jira/site.hpp"

namespace tcj::jira {

// The outcome of one submission. response holds what got through: accepted records, records
// Jira rejected (including one isolated by splitting a batch after a 400 or 413, with Jira's
// message), and unknown issue keys. error is set when not everything was delivered:
//   retryable (network, 5xx, 429/503 with retry_after): send again later, all of it (Jira
//     ignores repeats with the same update sequence number);
//   not retryable, kind unauthenticated/forbidden/not_found (401/403/404): the site is gone or
//     lost its permission, stop work for this tenant; other kinds: give up on this batch.
template <typename Response>
struct Submission {
  Response response;
  std::optional<core::Error> error;
  int requests = 0;
  bool delivered() const { return !error.has_value(); }
};

using BuildsSubmission = Submission<SubmitBuildsResponse>;
using DeploymentsSubmission = Submission<SubmitDeploymentsResponse>;

struct DevInfoMetrics {
  explicit DevInfoMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& requests;         // {api, status}
  core::Family<core::Counter>& records;          // {api, outcome}: accepted, rejected
  core::Counter& rate_limited;
  core::Histogram& retry_after_seconds;
};

// Thread-safe. Requests are POSTed with redirects never followed, bodies at most 100 records
// (callers split bigger sets with SplitIntoBatches), after PrepareBuilds/PrepareDeployments.
class DevInfoClient {
 public:
  DevInfoClient(std::shared_ptr<http::HttpClient> http, std::string api_url, std::string provider_product,
                DevInfoMetrics& metrics, const core::Clock& clock, core::Logger log);

  BuildsSubmission SubmitBuilds(const Site& site, Authorizer& auth, std::vector<Build> builds,
                                const Properties& properties);
  DeploymentsSubmission SubmitDeployments(const Site& site, Authorizer& auth, std::vector<Deployment> deployments,
                                          const Properties& properties);
  // Records in their request form (the outbox's): sent without being parsed or written again.
  BuildsSubmission SubmitBuilds(const Site& site, Authorizer& auth, std::vector<PreparedRecord> builds,
                                const Properties& properties);
  DeploymentsSubmission SubmitDeployments(const Site& site, Authorizer& auth, std::vector<PreparedRecord> deployments,
                                          const Properties& properties);

  // DELETE .../bulkByProperties: every record submitted with all these properties.
  core::Status DeleteBuildsByProperties(const Site& site, Authorizer& auth, const Properties& properties);
  core::Status DeleteDeploymentsByProperties(const Site& site, Authorizer& auth, const Properties& properties);

  // The stored build as Jira's JSON, or nullopt when Jira has none.
  core::Result<std::optional<std::string>> GetBuild(const Site& site, Authorizer& auth, std::string_view pipeline_id,
                                                    std::int64_t build_number);

 private:
  template <typename Record, typename Response>
  void Submit(const Site& site, Authorizer& auth, std::string_view api, const std::string& url,
              std::vector<Record> records, const Properties& properties, Submission<Response>& out);
  core::Result<http::ClientResponse> Call(Authorizer& auth, const std::string& method, const std::string& url,
                                          const std::string& body, std::string_view api);
  core::Status Delete(Authorizer& auth, const std::string& base, const Properties& properties, std::string_view api);

  std::shared_ptr<http::HttpClient> http_;
  std::string api_url_;
  std::string provider_product_;
  DevInfoMetrics& metrics_;
  const core::Clock& clock_;  // reads a Retry-After given as a date
  core::Logger log_;
};

// The error for a non-2xx answer other than 400/413 (which the client handles by splitting).
core::Error ErrorForStatus(const http::ClientResponse& response, core::Clock::TimePoint now);

}  // namespace tcj::jira
