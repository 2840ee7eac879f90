#include "jira/devinfo_client.hpp"

#include <functional>

#include "http/retry_after.hpp"
#include "core/uri.hpp"
#include "jira/devinfo_batches.hpp"
#include "jira/devinfo_json.hpp"

namespace tcj::jira {
namespace {

using core::Error;
using core::ErrorKind;

// Serialisation and parsing per record type, so Submit is written once.
// api is the name of the request's list: "builds" or "deployments".
core::Result<std::string> Serialize(std::span<const Build> r, const Properties& p, std::string_view product,
                                    std::string_view /*api*/) {
  return SerializeBuildsRequest(r, p, product);
}
core::Result<std::string> Serialize(std::span<const Deployment> r, const Properties& p, std::string_view product,
                                    std::string_view /*api*/) {
  return SerializeDeploymentsRequest(r, p, product);
}
core::Result<std::string> Serialize(std::span<const PreparedRecord> r, const Properties& p, std::string_view product,
                                    std::string_view api) {
  return SerializePreparedRequest(api, r, p, product);
}
core::Result<SubmitBuildsResponse> Parse(std::string_view body, SubmitBuildsResponse*) {
  return ParseSubmitBuildsResponse(body);
}
core::Result<SubmitDeploymentsResponse> Parse(std::string_view body, SubmitDeploymentsResponse*) {
  return ParseSubmitDeploymentsResponse(body);
}

void Merge(SubmitBuildsResponse& into, SubmitBuildsResponse&& more) {
  into.accepted.insert(into.accepted.end(), more.accepted.begin(), more.accepted.end());
  into.rejected.insert(into.rejected.end(), more.rejected.begin(), more.rejected.end());
  into.unknown_issue_keys.insert(into.unknown_issue_keys.end(), more.unknown_issue_keys.begin(),
                                 more.unknown_issue_keys.end());
}
void Merge(SubmitDeploymentsResponse& into, SubmitDeploymentsResponse&& more) {
  into.accepted.insert(into.accepted.end(), more.accepted.begin(), more.accepted.end());
  into.rejected.insert(into.rejected.end(), more.rejected.begin(), more.rejected.end());
  into.unknown_issue_keys.insert(into.unknown_issue_keys.end(), more.unknown_issue_keys.begin(),
                                 more.unknown_issue_keys.end());
  into.unknown_associations.insert(into.unknown_associations.end(), more.unknown_associations.begin(),
                                   more.unknown_associations.end());
}

std::string QueryOf(const Properties& properties) {
  std::string q;
  for (const auto& [k, v] : properties) {
    if (!q.empty()) q.push_back('&');
    q += core::PercentEncode(k) + "=" + core::PercentEncode(v);
  }
  return q;
}

}  // namespace

DevInfoMetrics::DevInfoMetrics(core::MetricsRegistry& registry)
    : requests(registry.AddCounterFamily("jira_requests_total", "Requests to Jira's Builds and Deployments APIs.",
                                         {"api", "status"})),
      records(registry.AddCounterFamily("jira_records_total", "Records Jira answered for, by outcome.",
                                        {"api", "outcome"})),
      rate_limited(registry.AddCounter("jira_rate_limited_total", "Answers 429 (or 503 with Retry-After) from Jira.")),
      retry_after_seconds(registry
                              .AddHistogramFamily("jira_retry_after_seconds", "How long Jira asked us to wait.", {},
                                                  {1, 2, 5, 10, 30, 60, 300, 900})
                              .Labels({})) {}

Error ErrorForStatus(const http::ClientResponse& response, core::Clock::TimePoint now) {
  const int s = response.status;
  const std::string said = ParseErrorMessages(response.body);
  if (s == 429 || s == 503) {
    Error e = Error::Retryable(s == 429 ? ErrorKind::rate_limited : ErrorKind::unavailable, "jira.rate_limited",
                               "Jira asked us to slow down (HTTP " + std::to_string(s) + ")");
    e.retry_after = http::RetryAfter(response.headers, now);
    return e;
  }
  if (s == 401) {
    return Error::Make(ErrorKind::unauthenticated, "jira.unauthorized",
                       "Jira refused our credentials (401): the app was uninstalled or the credentials were deleted");
  }
  if (s == 403) {
    return Error::Make(ErrorKind::forbidden, "jira.forbidden",
                       "Jira answered 403: the app lacks the permission to send builds or deployments (" + said + ")");
  }
  if (s == 404) {
    return Error::Make(ErrorKind::not_found, "jira.not_found", "Jira answered 404: the site is gone (" + said + ")");
  }
  if (s >= 300 && s < 400) {
    return Error::Make(ErrorKind::unavailable, "jira.redirect",
                       "Jira answered with a redirect (HTTP " + std::to_string(s) +
                           "), which is not followed: the site was probably renamed; its new address arrives with "
                           "the next installed callback");
  }
  if (s >= 500) {
    return Error::Retryable(ErrorKind::unavailable, "jira.unavailable",
                            "Jira answered " + std::to_string(s) + " (" + said + ")");
  }
  return Error::Make(ErrorKind::invalid_input, "jira.refused",
                     "Jira answered " + std::to_string(s) + " (" + said + ")");
}

DevInfoClient::DevInfoClient(std::shared_ptr<http::HttpClient> http, std::string api_url, std::string provider_product,
                             DevInfoMetrics& metrics, const core::Clock& clock, core::Logger log)
    : http_(std::move(http)),
      api_url_(std::move(api_url)),
      provider_product_(std::move(provider_product)),
      metrics_(metrics),
      clock_(clock),
      log_(std::move(log)) {}

core::Result<http::ClientResponse> DevInfoClient::Call(Authorizer& auth, const std::string& method,
                                                       const std::string& url, const std::string& body,
                                                       std::string_view api) {
  for (int attempt = 0;; ++attempt) {
    auto header = auth.Header(method, url);
    if (!header) return std::move(header).take_error();
    http::ClientRequest request{.method = method, .url = url};
    request.headers.Set("Authorization", std::move(*header));
    request.headers.Set("Accept", "application/json");
    if (!body.empty()) request.headers.Set("Content-Type", "application/json");
    request.body = body;
    request.max_response_bytes = kMaxResponseBytes;
    auto response = http_->Send(request);
    if (!response) return response;
    metrics_.requests.Labels({api, std::to_string(response->status)}).Inc();
    // A 401 of an OAuth site may be an expired token: one fresh token, one more try.
    if (response->status == 401 && attempt == 0 && auth.Refresh()) continue;
    return response;
  }
}

template <typename Record, typename Response>
void DevInfoClient::Submit(const Site& site, Authorizer& auth, std::string_view api, const std::string& url,
                           std::vector<Record> records, const Properties& properties, Submission<Response>& out) {
  if (records.empty() || out.error) return;
  auto body = Serialize(std::span<const Record>(records), properties, provider_product_, api);
  if (!body) {
    out.error = body.error();
    return;
  }
  ++out.requests;
  auto response = Call(auth, "POST", url, std::move(*body), api);
  if (!response) {
    out.error = response.error();
    return;
  }
  const int status = response->status;
  if (status == 202 || status == 200) {
    auto parsed = Parse(response->body, static_cast<Response*>(nullptr));
    if (!parsed) {
      out.error = Error::Retryable(ErrorKind::bad_payload, "jira.bad_answer",
                                   "Jira accepted the request but its answer could not be read: " + parsed.error().message);
      return;
    }
    metrics_.records.Labels({api, "accepted"}).Inc(parsed->accepted.size());
    metrics_.records.Labels({api, "rejected"}).Inc(parsed->rejected.size());
    Merge(out.response, std::move(*parsed));
    return;
  }
  if (status == 400 || status == 413) {
    if (records.size() > 1) {
      // Jira refused the whole request for a reason it does not tie to one record: halve until
      // the culprit stands alone, so the others still get through.
      auto [first, second] = SplitInHalf(std::move(records));
      Submit(site, auth, api, url, std::move(first), properties, out);
      Submit(site, auth, api, url, std::move(second), properties, out);
      return;
    }
    const std::string message = status == 413 ? "the record is too large for Jira" : ParseErrorMessages(response->body);
    log_.Warn("jira.record_refused", {{"tenant", site.tenant.str()}, {"record", ToString(KeyOf(records.front()))},
                                      {"status", status}, {"message", message}});
    out.response.rejected.push_back(RejectedRecord{KeyOf(records.front()), {message}});
    metrics_.records.Labels({api, "rejected"}).Inc();
    return;
  }
  Error e = ErrorForStatus(*response, clock_.Now());
  if (e.kind == ErrorKind::rate_limited || e.retry_after) {
    metrics_.rate_limited.Inc();
    if (e.retry_after) metrics_.retry_after_seconds.Observe(static_cast<double>(e.retry_after->count()));
  }
  log_.Warn("jira.submit_failed", {{"tenant", site.tenant.str()}, {"api", api}, {"status", status},
                                   {"code", e.code}, {"retryable", e.retryable}});
  out.error = std::move(e);
}

BuildsSubmission DevInfoClient::SubmitBuilds(const Site& site, Authorizer& auth, std::vector<Build> builds,
                                             const Properties& properties) {
  BuildsSubmission out;
  Submit(site, auth, "builds", EndpointsFor(site, api_url_).builds + "/bulk", std::move(builds), properties, out);
  return out;
}

BuildsSubmission DevInfoClient::SubmitBuilds(const Site& site, Authorizer& auth, std::vector<PreparedRecord> builds,
                                             const Properties& properties) {
  BuildsSubmission out;
  Submit(site, auth, "builds", EndpointsFor(site, api_url_).builds + "/bulk", std::move(builds), properties, out);
  return out;
}

DeploymentsSubmission DevInfoClient::SubmitDeployments(const Site& site, Authorizer& auth,
                                                       std::vector<PreparedRecord> deployments,
                                                       const Properties& properties) {
  DeploymentsSubmission out;
  Submit(site, auth, "deployments", EndpointsFor(site, api_url_).deployments + "/bulk", std::move(deployments),
         properties, out);
  return out;
}

DeploymentsSubmission DevInfoClient::SubmitDeployments(const Site& site, Authorizer& auth,
                                                       std::vector<Deployment> deployments,
                                                       const Properties& properties) {
  DeploymentsSubmission out;
  Submit(site, auth, "deployments", EndpointsFor(site, api_url_).deployments + "/bulk", std::move(deployments),
         properties, out);
  return out;
}

core::Status DevInfoClient::Delete(Authorizer& auth, const std::string& base, const Properties& properties,
                                   std::string_view api) {
  if (properties.empty()) {
    return Error::Make(ErrorKind::invalid_input, "jira.no_properties", "deleting by properties needs at least one");
  }
  auto response = Call(auth, "DELETE", base + "/bulkByProperties?" + QueryOf(properties), "", api);
  if (!response) return std::move(response).take_error();
  if (response->status == 202 || response->status == 200 || response->status == 204) return core::Ok();
  return ErrorForStatus(*response, clock_.Now());
}

core::Status DevInfoClient::DeleteBuildsByProperties(const Site& site, Authorizer& auth, const Properties& properties) {
  return Delete(auth, EndpointsFor(site, api_url_).builds, properties, "builds");
}

core::Status DevInfoClient::DeleteDeploymentsByProperties(const Site& site, Authorizer& auth,
                                                          const Properties& properties) {
  return Delete(auth, EndpointsFor(site, api_url_).deployments, properties, "deployments");
}

core::Result<std::optional<std::string>> DevInfoClient::GetBuild(const Site& site, Authorizer& auth,
                                                                 std::string_view pipeline_id, std::int64_t build_number) {
  const std::string url = EndpointsFor(site, api_url_).builds + "/pipelines/" + core::PercentEncode(pipeline_id) +
                          "/builds/" + std::to_string(build_number);
  auto response = Call(auth, "GET", url, "", "builds");
  if (!response) return std::move(response).take_error();
  if (response->status == 404) return std::optional<std::string>{};
  if (response->status == 200) return std::optional<std::string>(std::move(response->body));
  return ErrorForStatus(*response, clock_.Now());
}

}  // namespace tcj::jira
