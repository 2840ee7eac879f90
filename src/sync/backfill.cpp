#include "sync/backfill.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "db/transaction.hpp"
#include "sync/backfill_pages.hpp"
#include "sync/build_store.hpp"
#include "sync/events.hpp"
#include "sync/poller.hpp"
#include "sync/teamcity_reader.hpp"
#include "sync/unreadable_builds.hpp"
#include "teamcity/dates.hpp"

namespace tcj::sync {
namespace {

using nlohmann::json;

// Where a backfill stands, as stored in server_sync.backfill.
struct Progress {
  std::string state;  // queued, running, done
  int days = 30;
  std::string since;  // TeamCity date: builds that finished after it
  std::size_t scope = 0;
  std::optional<std::string> next_href;
  int pages = 0;  // pages read in this scope
  std::int64_t total = 0, seen = 0;
  std::int64_t lowest_build_id = 0;
  std::string requested_at, finished_at, last_error;
  int failures = 0;  // in a row: the wait before the next try grows with them

  static Progress From(const std::string& text) {
    Progress p;
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_object()) return p;
    p.state = doc.value("state", "");
    p.days = doc.value("days", 30);
    p.since = doc.value("since", "");
    p.scope = doc.value("scope", std::size_t{0});
    if (doc.contains("next_href") && doc["next_href"].is_string()) p.next_href = doc["next_href"].get<std::string>();
    p.pages = doc.value("pages", 0);
    p.total = doc.value("total", std::int64_t{0});
    p.seen = doc.value("seen", std::int64_t{0});
    p.lowest_build_id = doc.value("lowest_build_id", std::int64_t{0});
    p.requested_at = doc.value("requested_at", "");
    p.finished_at = doc.value("finished_at", "");
    p.last_error = doc.value("last_error", "");
    p.failures = doc.value("failures", 0);
    return p;
  }

  std::string Json() const {
    return json{{"state", state},
                {"days", days},
                {"since", since},
                {"scope", scope},
                {"next_href", next_href ? json(*next_href) : json(nullptr)},
                {"pages", pages},
                {"total", total},
                {"seen", seen},
                {"remaining", std::max<std::int64_t>(total - seen, 0)},
                {"lowest_build_id", lowest_build_id},
                {"requested_at", requested_at},
                {"finished_at", finished_at},
                {"last_error", last_error},
                {"failures", failures}}
        .dump();
  }
};

void Save(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server, const Progress& progress) {
  db::TenantTransaction tx(context.pool, tenant);
  RecordBackfill(tx, server, progress.Json());
  tx.Commit();
}

// Builds that started in the window (or were queued in it, when canceled before starting): TeamCity
// stops its walk through history at the window's start, where a finish date filter would scan all of
// it. Builds still running are the poller's.
// Pages of 1 000: a tenth of the round trips and transactions of TeamCity's default 100.
std::string LocatorFor(const std::string& scope, const std::string& since) {
  return scope + "defaultFilter:false,state:finished,sinceDate:" + since + ",count:1000";
}

// Starts the walk: the window in TeamCity's clock, and how many builds it holds.
core::Status Start(SyncContext& context, TeamCityReader& reader, Progress& progress) {
  auto info = reader.client().Server();
  if (!info) return std::move(info).take_error();
  const auto now = teamcity::ParseTeamCityDate(info->current_time);
  if (!now) {
    return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.bad_date",
                             "TeamCity's clock is not in its usual date format (was rest.defaultDateFormat changed?)");
  }
  progress.since = teamcity::FormatTeamCityDate(*now - std::chrono::hours(24) * progress.days);
  progress.total = 0;
  for (const auto& scope : reader.Scopes()) {
    auto count = reader.client().CountBuilds(LocatorFor(scope, progress.since));
    if (!count) return std::move(count).take_error();
    progress.total += *count;
  }
  progress.state = "running";
  progress.scope = 0;
  progress.pages = 0;
  progress.next_href.reset();
  progress.seen = 0;
  progress.lowest_build_id = 0;
  progress.last_error.clear();
  (void)context;
  return core::Ok();
}

// 500, 5 000, 50 000...: the points where the planner's picture of the table is worth redrawing.
bool GrewTenfold(std::int64_t before, std::int64_t after) {
  for (std::int64_t mark = 500; mark <= after; mark *= 10) {
    if (before < mark) return true;
  }
  return false;
}

void RefreshStatistics(SyncContext& context) {
  db::Transaction tx(context.pool);
  tx.Exec("SELECT refresh_build_statistics()");
  tx.Commit();
}

// Stores the next page, while the one after it is read ahead (read_ahead: this run goes on);
// false when the walk is over. Stages one to three (read, map, outbox) of the next page overlap
// stage four (write) of this one, so the slower of TeamCity and PostgreSQL sets the pace, not
// their sum; the send job, stage five, runs on another worker meanwhile.
core::Result<bool> NextPage(SyncContext& context, TeamCityReader& reader, Progress& progress, PageAhead& ahead,
                            JobContext& job, bool read_ahead) {
  const auto scopes = reader.Scopes();
  if (progress.scope >= scopes.size()) return false;
  auto page = ahead.Take(job, LocatorFor(scopes[progress.scope], progress.since), progress.next_href);
  if (!page) return std::move(page).take_error();
  if (read_ahead && page->next_href) ahead.Prefetch(*page->next_href);

  const std::int64_t seen_before = progress.seen;
  progress.seen += static_cast<std::int64_t>(page->build_count);
  if (page->lowest_build_id > 0 &&
      (progress.lowest_build_id == 0 || page->lowest_build_id < progress.lowest_build_id)) {
    progress.lowest_build_id = page->lowest_build_id;
  }
  ++progress.pages;
  // An empty page with a nextHref is TeamCity's lookupLimit at work: the walk goes on deeper.
  // A server that never stops sending nextHref (5 million builds' worth) ends the walk anyway.
  constexpr int kMaxPagesPerScope = 50'000;
  const bool scope_done = !page->next_href || progress.pages >= kMaxPagesPerScope;
  if (scope_done) {
    ++progress.scope;
    progress.pages = 0;
    progress.next_href.reset();
  } else {
    progress.next_href = page->next_href;
  }

  db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
  const auto saved = WriteBuildRows(tx, reader.server(), page->rows);
  RecordBackfill(tx, reader.server(), progress.Json());
  // A build of the page that cannot be read is left out; the walk goes on (the poll's re-reads
  // read it again while it is recent).
  const UnreadableBuilds told = TellUnreadable(tx, reader.server(), page->unreadable);
  tx.Commit();
  context.metrics.builds_changed.Inc(static_cast<std::uint64_t>(saved.changed));
  CountUnreadable(context, reader.tenant(), reader.server(), page->unreadable, told);
  if (saved.changed > 0) {
    // The send job starts on this page's records now, not after the run's last page.
    context.queue.Enqueue(reader.tenant(), JobKind::send, kSendKey);
    if (context.wake_workers) context.wake_workers();
  }
  if (GrewTenfold(seen_before, progress.seen)) RefreshStatistics(context);
  return progress.scope < scopes.size();
}

// The walk is over: deployments get the keys of the builds they deploy, a thousand per transaction,
// each thousand sent while the next is completed. A backfill stopped in the middle of this runs it
// again from the start, which skips the deployments already complete (their fingerprints match).
// False when the job lost its lease (another worker finishes).
bool Finish(SyncContext& context, TeamCityReader& reader, Progress& progress, JobContext& job) {
  std::optional<std::int64_t> after;
  if (progress.lowest_build_id > 0) after = progress.lowest_build_id - 1;
  while (after) {
    db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
    const DeploymentRefresh refresh = RefreshDeploymentsAfter(tx, reader.server(), *after);
    tx.Commit();
    if (refresh.changed > 0) {
      context.queue.Enqueue(reader.tenant(), JobKind::send, kSendKey);
      if (context.wake_workers) context.wake_workers();
    }
    after = refresh.resume_after;
    if (!job.KeepAlive()) return false;
  }
  progress.state = "done";
  progress.total = std::max(progress.total, progress.seen);
  progress.finished_at = core::FormatRfc3339(context.clock.Now());
  db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
  RecordBackfill(tx, reader.server(), progress.Json());
  RecordEvent(tx, reader.server(), EventLevel::info, "backfill_done",
              "Backfill of the last " + std::to_string(progress.days) + " days done: " + std::to_string(progress.seen) +
                  " builds read.");
  tx.Commit();
  return true;
}

}  // namespace

core::Status RequestBackfill(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server,
                             int days) {
  if (days < 1 || days > kMaxBackfillDays) {
    return core::Error::InvalidField("days", "settings.days",
                                     "days must be a whole number from 1 to " + std::to_string(kMaxBackfillDays) + ".");
  }
  Progress progress;
  progress.state = "queued";
  progress.days = days;
  progress.requested_at = core::FormatRfc3339(context.clock.Now());
  {
    db::TenantTransaction tx(context.pool, tenant);
    RecordBackfill(tx, server, progress.Json());
    RecordEvent(tx, server, EventLevel::info, "backfill_requested",
                "Backfill of the last " + std::to_string(days) + " days requested.");
    tx.Commit();
  }
  context.queue.Enqueue(tenant, JobKind::backfill, BackfillKey(server), ServerPayload(server));
  if (context.wake_workers) context.wake_workers();
  return core::Ok();
}

JobOutcome RunBackfill(SyncContext& context, const Job& job, JobContext& job_context) {
  const auto server = ServerOfPayload(job.payload);
  if (!server) return JobOutcome::Dead("the backfill job does not name a server");
  Progress progress;
  {
    db::TenantTransaction tx(context.pool, job.tenant, db::Durability::relaxed);
    progress = Progress::From(LoadSyncState(tx, *server).backfill_json);
    tx.Commit();
  }
  if (progress.state != "queued" && progress.state != "running") return JobOutcome::Done();
  auto reader = TeamCityReader::Open(context, job.tenant, *server);
  if (!reader) return JobOutcome::Retry(reader.error().message);
  if (!*reader) return JobOutcome::Done();  // the server was removed
  auto& gauge = context.metrics.backfill_remaining.Labels({server->str()});

  // A backfill outlives any TeamCity outage: it waits like a failing poll (growing, at most ten
  // minutes, or as long as TeamCity asks) and never gives up while its server exists.
  auto fail = [&](const core::Error& error) {
    progress.last_error = error.message;
    ++progress.failures;
    Save(context, job.tenant, *server, progress);
    auto delay = context.poll_backoff.Delay(progress.failures);
    if (error.retry_after) {
      delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(*error.retry_after));
    }
    return JobOutcome::Again(delay);
  };
  if (progress.state == "queued") {
    // The count walks TeamCity's whole window, which can take longer than a lease.
    auto started = KeepingLease(job_context, [&] { return Start(context, **reader, progress); });
    if (!started) {
      if (job_context.lease_lost()) return JobOutcome::Done();  // another worker has it
      return fail(started.error());
    }
    Save(context, job.tenant, *server, progress);
  }
  PageAhead ahead(context, **reader);
  for (int i = 0; i < context.options.backfill_pages_per_run; ++i) {
    const bool last_of_run = i + 1 == context.options.backfill_pages_per_run;
    auto more = NextPage(context, **reader, progress, ahead, job_context, !last_of_run);
    if (!more) {
      if (job_context.lease_lost()) return JobOutcome::Done();  // another worker has it now
      return fail(more.error());
    }
    gauge.Set(static_cast<double>(std::max<std::int64_t>(progress.total - progress.seen, 0)));
    progress.failures = 0;
    if (!*more) {
      if (!Finish(context, **reader, progress, job_context)) return JobOutcome::Done();  // another worker has it
      gauge.Set(0);
      break;
    }
    if (!job_context.KeepAlive() || job_context.stopping()) break;
  }
  {
    db::TenantTransaction tx(context.pool, job.tenant, db::Durability::relaxed);
    const bool pending = HasPending(tx);
    tx.Commit();
    if (pending) {
      context.queue.Enqueue(job.tenant, JobKind::send, kSendKey);
      if (context.wake_workers) context.wake_workers();
    }
  }
  if (progress.state == "done") return JobOutcome::Done();
  Save(context, job.tenant, *server, progress);
  return JobOutcome::Again(std::chrono::milliseconds(0));
}

}  // namespace tcj::sync
