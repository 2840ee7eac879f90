#include "sync/sender.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "db/error.hpp"
#include "db/transaction.hpp"
#include "jira/devinfo_batches.hpp"
#include "sync/events.hpp"
#include "sync/mapping.hpp"
#include "jira/devinfo_json.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

struct PendingRecord {
  std::string server_id;
  core::BuildId build;
  std::int64_t usn = 0;
  std::string record_json;
};

// One request's worth: one server, one kind.
struct Group {
  std::string server_id;
  bool deployments = false;
  std::vector<PendingRecord> records;
};

constexpr int kFetch = 500;

std::vector<Group> FetchPending(SyncContext& context, const core::TenantId& tenant) {
  db::TenantTransaction tx(context.pool, tenant, db::Durability::relaxed);
  const db::Rows rows = tx.Exec(
      "SELECT server_id, build_id, usn, is_deployment, record::text FROM builds "
      "WHERE tenant_id = $1 AND record IS NOT NULL AND sent_usn IS DISTINCT FROM usn ORDER BY usn LIMIT $2",
      tenant, kFetch);
  tx.Commit();
  std::vector<Group> groups;
  std::map<std::pair<std::string, bool>, std::size_t> index;
  for (db::Row row : rows) {
    const auto key = std::make_pair(row.String(0), row.Bool(3));
    auto [it, added] = index.try_emplace(key, groups.size());
    if (added) groups.push_back(Group{key.first, key.second, {}});
    Group& group = groups[it->second];
    if (group.records.size() >= jira::kMaxRecordsPerRequest) {
      // A full group: start another for the same server and kind.
      it->second = groups.size();
      groups.push_back(Group{key.first, key.second, {}});
    }
    groups[it->second].records.push_back({row.String(0), core::BuildId(row.Int(1)), row.Int(2), row.String(4)});
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

void RecordOutcomes(SyncContext& context, const core::TenantId& tenant, const std::string& server_id,
                    const std::vector<Outcome>& outcomes) {
  if (outcomes.empty()) return;
  // By build id: the rows are found through the primary key whatever the planner knows of the
  // table (a join with a record set is planned as a scan of the whole table while its statistics
  // still say it is empty, as they do in the middle of a first sync).
  json by_id = json::object();
  std::vector<std::int64_t> ids;
  for (const auto& o : outcomes) {
    by_id[o.build.str()] = {{"usn", o.usn}, {"outcome", o.outcome}, {"detail", o.detail}};
    ids.push_back(o.build.value());
  }
  db::TenantTransaction tx(context.pool, tenant, db::Durability::relaxed);
  tx.Exec("UPDATE builds b SET jira_outcome = $4::jsonb -> b.build_id::text ->> 'outcome', "
          "jira_detail = $4::jsonb -> b.build_id::text -> 'detail', send_attempts = b.send_attempts + 1, "
          "last_sent_at = now(), sent_usn = CASE WHEN $4::jsonb -> b.build_id::text ->> 'outcome' = 'error' "
          "THEN b.sent_usn ELSE greatest(coalesce(b.sent_usn, 0), ($4::jsonb -> b.build_id::text ->> 'usn')::bigint) END "
          "WHERE b.tenant_id = $1 AND b.server_id = $2 AND b.build_id = ANY($3::bigint[])",
          tenant, server_id, ids, by_id.dump(-1, ' ', false, json::error_handler_t::replace));
  RecordRejections(tx, core::ServerId(server_id), outcomes);
  tx.Commit();
}

template <typename Record>
std::int64_t NumberOf(const Record& record) {
  if constexpr (std::is_same_v<Record, jira::Build>) {
    return record.build_number;
  } else {
    return record.deployment_sequence_number;
  }
}

std::int64_t NumberOfKey(const jira::RecordKey& key) {
  if (const auto* b = std::get_if<jira::BuildKey>(&key)) return b->build_number;
  return std::get<jira::DeploymentKey>(key).deployment_sequence_number;
}

// What Jira answered, per record of the group (records[i] was read from pending[i]). Jira names
// records by their build number or deployment sequence number; the outcome goes to the stored
// build. Records Jira did not mention in a delivered answer count as accepted (Jira answers 202
// for what it stores).
template <typename Record, typename Response>
std::vector<Outcome> OutcomesOf(const std::vector<Record>& records, const std::vector<PendingRecord>& pending,
                                const jira::Submission<Response>& submission) {
  std::map<std::int64_t, std::vector<std::string>> rejected;
  for (const auto& r : submission.response.rejected) rejected[NumberOfKey(r.key)] = r.messages;
  std::set<std::int64_t> accepted;
  for (const auto& key : submission.response.accepted) accepted.insert(NumberOfKey(key));
  const std::set<std::string> unknown(submission.response.unknown_issue_keys.begin(),
                                      submission.response.unknown_issue_keys.end());
  std::vector<Outcome> outcomes;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::int64_t number = NumberOf(records[i]);
    Outcome o{pending[i].build, pending[i].usn, "", json::object()};
    json unknown_keys = json::array();
    for (const auto& key : records[i].issue_keys) {
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

template <typename Record>
core::Result<std::vector<Record>> ParseRecords(const Group& group) {
  std::vector<Record> records;
  records.reserve(group.records.size());
  for (const auto& pending : group.records) {
    auto record = [&] {
      if constexpr (std::is_same_v<Record, jira::Build>) {
        return jira::ParseBuildRecord(pending.record_json);
      } else {
        return jira::ParseDeploymentRecord(pending.record_json);
      }
    }();
    if (!record) return std::move(record).take_error();
    record->update_sequence_number = pending.usn;
    records.push_back(std::move(*record));
  }
  return records;
}

// Sends one group; returns the error that stopped delivery, if any.
template <typename Record>
std::optional<core::Error> SendGroup(SyncContext& context, Delivery& delivery, jira::SiteHandle& site,
                                     const core::TenantId& tenant, const Group& group) {
  auto records = ParseRecords<Record>(group);
  if (!records) return records.error();
  const jira::Properties properties{{std::string(kServerProperty), group.server_id}};
  const auto submission = [&] {
    if constexpr (std::is_same_v<Record, jira::Build>) {
      return jira::SubmitBuildsWithRetries(delivery.client, site.site, *site.auth, *records, properties, delivery.retry);
    } else {
      return jira::SubmitDeploymentsWithRetries(delivery.client, site.site, *site.auth, *records, properties,
                                                delivery.retry);
    }
  }();
  const auto outcomes = OutcomesOf(*records, group.records, submission);
  RecordOutcomes(context, tenant, group.server_id, outcomes);
  // cppcheck-suppress assignBoolToPointer ; cppcheck reads is_same_v<Record, jira::Build> as comparisons
  const char* kind = std::is_same_v<Record, jira::Build> ? "build" : "deployment";
  for (const auto& o : outcomes) context.metrics.records_sent.Labels({kind, o.outcome}).Inc();
  return submission.error;
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
      const auto error = group.deployments ? SendGroup<jira::Deployment>(context, delivery, *site, job.tenant, group)
                                           : SendGroup<jira::Build>(context, delivery, *site, job.tenant, group);
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
