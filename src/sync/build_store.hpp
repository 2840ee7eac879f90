// sync: the builds table: every build we know, mapped for Jira (the outbox), and its diagnostics.
#pragma once

// This file owns the statements that write the builds table and those the sync reads it with:
// the poll's and backfill's saves, the sender's pending records and outcomes, the status counts.
// The reads of the admin's diagnostics and the issue panel (build_reports, issue_builds) only read.
// These functions run inside the caller's TenantTransaction, so that what a poll learned and where
// its cursor stands are committed together, or not at all.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/transaction.hpp"
#include "jira/devinfo_model.hpp"
#include "sync/mapping.hpp"
#include "sync/outbox.hpp"

namespace tcj::sync {

struct SaveResult {
  int changed = 0;    // rows inserted or updated (each got a new update sequence number)
  int unchanged = 0;  // builds whose fingerprint was already stored: nothing written
};

// When deployments get the keys of the builds they deploy: as they are saved (a poll: those builds
// arrived before them), or only in RefreshDeploymentsAfter (a backfill, which walks history newest first
// and meets them later); until then such a deployment waits, unsent.
enum class DeployedKeysAt { save, refresh };

// Builds ready for the builds table, one array per column: prepared apart from any transaction
// (a backfill prepares the next page on its read-ahead thread while this one is written), and
// written with one statement. Text is made storable here (valid UTF-8, no NUL), so one odd build
// never fails its page.
class BuildRows {
 public:
  void Add(const MappedBuild& mapped, const OutboxEntry& entry, std::string draft = "");
  std::size_t size() const { return build_id_.size(); }
  bool empty() const { return build_id_.empty(); }

 private:
  friend SaveResult WriteBuildRows(db::TenantTransaction& tx, const core::ServerId& server, const BuildRows& rows);
  std::vector<std::int64_t> build_id_, upstream_build_id_;
  std::vector<std::string> build_type_id_, build_type_name_, project_name_, number_, branch_, teamcity_state_, status_,
      jira_state_, web_url_, started_at_, finished_at_, tests_, is_deployment_, environment_, environment_type_,
      issue_keys_, keys_found_, keys_dropped_, notes_, record_, fingerprint_, personal_, skip_reason_, draft_;
};

// Writes the rows whose fingerprint changed, each with a fresh update sequence number (see SaveBuilds).
SaveResult WriteBuildRows(db::TenantTransaction& tx, const core::ServerId& server, const BuildRows& rows);

// A backfill's page as rows (DeployedKeysAt::refresh: its deployments wait, unsent, for
// RefreshDeploymentsAfter). Pure: no transaction needed.
BuildRows PrepareBackfillRows(std::vector<MappedBuild> builds);

// Writes the builds whose fingerprint changed, each with a fresh update sequence number, so a later
// state always wins in Jira. Builds go before deployments.
SaveResult SaveBuilds(db::TenantTransaction& tx, const core::ServerId& server, std::vector<MappedBuild> builds,
                      DeployedKeysAt when = DeployedKeysAt::save);

// The issue keys a deployment deploys: those of the builds of its upstream configuration on the
// upstream's branch after the build the previous successful deployment to the same environment
// deployed, up to and including its own upstream build; newest first. Only the upstream's own keys
// when there is no such previous deployment (or it deployed a newer build: a rollback).
struct DeploymentRef {
  std::int64_t build_id = 0;
  std::string build_type_id;
  std::string environment;
  std::optional<std::int64_t> upstream_build_id;
};
std::vector<std::string> DeployedKeys(db::TenantTransaction& tx, const core::ServerId& server,
                                      const DeploymentRef& deployment);

// Of these build ids, the ones already stored.
std::set<std::int64_t> KnownBuildIds(db::TenantTransaction& tx, const core::ServerId& server,
                                     const std::vector<std::int64_t>& ids);

// Builds we last saw queued or running: polled until they finish or disappear.
std::vector<std::int64_t> OpenBuildIds(db::TenantTransaction& tx, const core::ServerId& server);

// A build TeamCity no longer has (404): it stops being tracked; Jira keeps what it was sent.
void MarkDeleted(db::TenantTransaction& tx, const core::ServerId& server, core::BuildId build);

// Recomputes the keys of the server's stored deployments (after a backfill: the builds they deploy
// may have arrived after them), one step per call so the caller commits each: the next
// kDeploymentsPerRefresh deployments with ids above `after`, three statements in all, and where
// to go on from (nullopt: none are left).
inline constexpr int kDeploymentsPerRefresh = 1000;
struct DeploymentRefresh {
  int changed = 0;
  std::optional<std::int64_t> resume_after;
};
DeploymentRefresh RefreshDeploymentsAfter(db::TenantTransaction& tx, const core::ServerId& server, std::int64_t after);

// A record waiting for Jira, in the form it is sent (without its update sequence number).
struct PendingRecord {
  core::ServerId server;
  core::BuildId build;
  std::int64_t usn = 0;
  bool deployment = false;
  jira::RecordKey key;
  std::string record_json;
  std::vector<std::string> issue_keys;
};

// The tenant's oldest waiting records, in update sequence order.
std::vector<PendingRecord> PendingRecords(db::TenantTransaction& tx, int limit);

// What Jira answered for one record sent with update sequence number usn.
struct SendOutcome {
  core::BuildId build;
  std::int64_t usn = 0;
  std::string outcome;  // accepted, rejected, error
  std::string detail_json = "{}";
};

// Records the answers for builds of one server: accepted and rejected ones stop waiting (unless a
// newer state arrived meanwhile), errors stay waiting.
void RecordSendOutcomes(db::TenantTransaction& tx, const core::ServerId& server,
                        const std::vector<SendOutcome>& outcomes);

// A server's builds for its status: one pass over its rows.
struct BuildCounts {
  std::int64_t total = 0, pending = 0, accepted = 0, rejected = 0, not_sent = 0, deployments = 0, open = 0;
};
BuildCounts CountBuilds(db::TenantTransaction& tx, const core::ServerId& server);
// Only pending and open; the other fields stay 0. Through their partial indexes: the cost follows
// the site's waiting and open builds (few, once a sync has caught up), not the server's history.
BuildCounts CountWaitingAndOpen(db::TenantTransaction& tx, const core::ServerId& server);

// Whether a record of this tenant waits for Jira: one index entry read, however many wait.
bool HasPending(db::TenantTransaction& tx);

// Every record of the tenant is to be sent again: Jira lost them (a new Forge installation is a
// new provider; what the old one sent left with it). Returns how many.
std::size_t MarkAllUnsent(db::TenantTransaction& tx);

}  // namespace tcj::sync
