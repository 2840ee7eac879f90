#include "sync/sender.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "db/error.hpp"
#include "db/transaction.hpp"
#include "jira/devinfo_batches.hpp"
#include "sync/build_store.hpp"
#include "sync/events.hpp"
#include "sync/mapping.hpp"
#include "sync/outbox.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

// One request's worth: one server, one kind.
struct Group {
  core::ServerId server;
  bool deployments = false;
  std::vector<PendingRecord> records;
};

constexpr int kFetch = 500;

std::vector<Group> FetchPending(SyncContext& context, const core::TenantId& tenant) {
  db::TenantTransaction tx(context.pool, tenant, db::Durability::relaxed);
  std::vector<PendingRecord> pending = PendingRecords(tx, kFetch);
  tx.Commit();
  std::vector<Group> groups;
  std::map<std::pair<std::string, bool>, std::size_t> index;
  for (PendingRecord& record : pending) {
    const auto key = std::make_pair(record.server.str(), record.deployment);
    auto [it, added] = index.try_emplace(key, groups.size());
    if (added) groups.push_back(Group{record.server, record.deployment, {}});
    if (groups[it->second].records.size() >= jira::kMaxRecordsPerRequest) {
      // A full group: start another for the same server and kind.
      it->second = groups.size();
      groups.push_back(Group{record.server, record.deployment, {}});
    }
    groups[it->second].records.push_back(std::move(record));
  }
  return groups;
}

struct Outcome {
  core::BuildId build;
  std::int64_t usn = 0;
  std::string outcome;  // accepted, rejected, error
  json detail;
};

// Jira refusing records is what an admin must hear of: one event per answer that refused any, with
// Jira's first message; the diagnostics have every build's own.
void RecordRejections(db::TenantTransaction& tx, const core::ServerId& server, const std::vector<Outcome>& outcomes) {
  int rejected = 0;
  std::string example;
  for (const auto& o : outcomes) {
    if (o.outcome != "rejected") continue;
    if (rejected++ == 0) {
      example = "build " + o.build.str();
      if (const auto m = o.detail.find("messages"); m != o.detail.end() && m->is_array() && !m->empty() &&
                                                    m->front().is_string()) {
        example += ": " + m->front().get<std::string>();
      }
    }
  }
  if (rejected == 0) return;
  RecordEvent(tx, server, EventLevel::warning, "jira_rejected",
              "Jira refused " + std::to_string(rejected) + (rejected == 1 ? " record" : " records") + " (" + example + ").");
}

void RecordOutcomes(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                    const std::vector<Outcome>& outcomes) {
  if (outcomes.empty()) return;
  std::vector<SendOutcome> answers;
  answers.reserve(outcomes.size());
  for (const auto& o : outcomes) {
    answers.push_back({o.build, o.usn, o.outcome, o.detail.dump(-1, ' ', false, json::error_handler_t::replace)});
  }
  db::TenantTransaction tx(context.pool, tenant, db::Durability::relaxed);
  RecordSendOutcomes(tx, server, answers);
  RecordRejections(tx, server, outcomes);
  tx.Commit();
}

std::int64_t NumberOfKey(const jira::RecordKey& key) {
  if (const auto* b = std::get_if<jira::BuildKey>(&key)) return b->build_number;
  return std::get<jira::DeploymentKey>(key).deployment_sequence_number;
}

// What Jira answered, per record of the group. Jira names records by their build number or
// deployment sequence number; the outcome goes to the stored build. Records Jira did not mention
// in a delivered answer count as accepted (Jira answers 202 for what it stores).
template <typename Response>
std::vector<Outcome> OutcomesOf(const std::vector<PendingRecord>& pending,
                                const jira::Submission<Response>& submission) {
  std::map<std::int64_t, std::vector<std::string>> rejected;
  for (const auto& r : submission.response.rejected) rejected[NumberOfKey(r.key)] = r.messages;
  std::set<std::int64_t> accepted;
  for (const auto& key : submission.response.accepted) accepted.insert(NumberOfKey(key));
  const std::set<std::string> unknown(submission.response.unknown_issue_keys.begin(),
                                      submission.response.unknown_issue_keys.end());
  std::vector<Outcome> outcomes;
  for (const PendingRecord& record : pending) {
    const std::int64_t number = NumberOfKey(record.key);
    Outcome o{record.build, record.usn, "", json::object()};
    json unknown_keys = json::array();
    for (const auto& key : record.issue_keys) {
      if (unknown.contains(key)) unknown_keys.push_back(key);
    }
    if (!unknown_keys.empty()) o.detail["unknown_issue_keys"] = unknown_keys;
    if (auto it = rejected.find(number); it != rejected.end()) {
      o.outcome = "rejected";
      o.detail["messages"] = it->second;
    } else if (accepted.contains(number) || submission.delivered()) {
      o.outcome = "accepted";
    } else {
      o.outcome = "error";
      o.detail["message"] = submission.error->message;
    }
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

// Sends one group as stored, each record with its update sequence number; returns the error that
// stopped delivery, if any.
std::optional<core::Error> SendGroup(SyncContext& context, Delivery& delivery, jira::SiteHandle& site,
                                     const core::TenantId& tenant, const Group& group) {
  std::vector<jira::PreparedRecord> records;
  records.reserve(group.records.size());
  for (const PendingRecord& pending : group.records) {
    records.push_back({pending.key, WithUpdateSequenceNumber(pending.record_json, pending.usn)});
  }
  const jira::Properties properties{{std::string(kServerProperty), group.server.str()}};
  auto send = [&](auto submit) {
    const auto submission = submit(delivery.client, site.site, *site.auth, records, properties, delivery.retry);
    const auto outcomes = OutcomesOf(group.records, submission);
    RecordOutcomes(context, tenant, group.server, outcomes);
    const char* kind = group.deployments ? "deployment" : "build";
    for (const auto& o : outcomes) context.metrics.records_sent.Labels({kind, o.outcome}).Inc();
    return submission.error;
  };
  if (group.deployments) {
    return send([](auto&&... args) { return jira::SubmitDeploymentsWithRetries(args...); });
  }
  return send([](auto&&... args) { return jira::SubmitBuildsWithRetries(args...); });
}

}  // namespace

JobOutcome RunSend(SyncContext& context, Delivery& delivery, const Job& job, JobContext& job_context) {
  auto site = delivery.sites.For(job.tenant);
  if (!site) {
    const auto kind = site.error().kind;
    if (kind == core::ErrorKind::not_found || kind == core::ErrorKind::forbidden) return JobOutcome::Done();
    return JobOutcome::Retry(site.error().message);
  }
  const auto started = context.clock.Monotonic();
  while (true) {
    const std::vector<Group> groups = FetchPending(context, job.tenant);
    if (groups.empty()) return JobOutcome::Done();
    for (const Group& group : groups) {
      const auto error = SendGroup(context, delivery, *site, job.tenant, group);
      if (error) {
        context.log.Warn("sync.send_failed", {{"tenant", job.tenant.str()},
                                              {"code", error->code},
                                              {"error", error->message},
                                              {"retryable", error->retryable}});
        return JobOutcome::Retry(error->message, error->retry_after);
      }
      if (!job_context.KeepAlive()) return JobOutcome::Done();
    }
    // Yield the worker now and then: the job comes straight back, after the other tenants' turns.
    if (job_context.stopping() || context.clock.Monotonic() - started > context.options.send_budget) {
      return JobOutcome::Again(std::chrono::milliseconds(0));
    }
  }
}

}  // namespace tcj::sync
