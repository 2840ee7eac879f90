#include "sync/backfill.hpp"

#include <chrono>
#include <future>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "db/transaction.hpp"
#include "sync/build_store.hpp"
#include "sync/events.hpp"
#include "sync/poller.hpp"
#include "sync/teamcity_reader.hpp"
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

// Stage one of the pipeline, which runs ahead on a thread of its own: a page read, completed
// (changes, parameters) and mapped into rows, ready to store.
struct ReadyPage {
  std::optional<std::string> next_href;
  std::size_t builds = 0;
  std::int64_t lowest_build_id = 0;
  BuildRows rows;
};

// The job's lease is renewed by the job's own thread (PageAhead::Take); the read-ahead leaves it be.
class ReadAheadContext final : public JobContext {
 public:
  bool stopping() const override { return false; }

 private:
  bool Renew() override { return true; }
};

core::Result<ReadyPage> ReadPage(SyncContext& context, TeamCityReader& reader, const std::string& scope_locator,
                                 const std::optional<std::string>& href) {
  auto page = href ? reader.client().NextPage(*href) : reader.client().Builds(scope_locator);
  if (!page) return std::move(page).take_error();
  context.metrics.builds_read.Inc(page->builds.size());
  ReadyPage ready;
  ready.next_href = std::move(page->next_href);
  ready.builds = page->builds.size();
  BuildsById builds;
  for (auto& build : page->builds) {
    const std::int64_t id = build.id;
    builds.insert_or_assign(id, std::move(build));
  }
  ReadAheadContext job;
  if (auto complete = reader.Complete(builds, job, TeamCityReader::Upstreams::later); !complete) {
    return std::move(complete).take_error();
  }
  if (!builds.empty()) ready.lowest_build_id = builds.begin()->first;
  ready.rows = PrepareBackfillRows(reader.Map(builds));
  return ready;
}

// Stages one and two overlap: the next page is read and prepared while this one is written, so
// the slower of TeamCity and PostgreSQL sets the pace, not their sum. The send job, stage three,
// runs on another worker meanwhile.
class PageAhead {
 public:
  PageAhead(SyncContext& context, TeamCityReader& reader) : context_(context), reader_(reader) {}
  ~PageAhead() {
    if (next_.valid()) next_.wait();
  }

  // The page at href (the scope's first page without one), read ahead or read now. The job's
  // lease is renewed while it waits: a page of a slow TeamCity can take minutes to complete.
  core::Result<ReadyPage> Take(JobContext& job, const std::string& scope_locator,
                               const std::optional<std::string>& href) {
    if (!next_.valid() || !href || *href != next_href_) {
      if (next_.valid()) next_.wait();  // a page nobody wants any more
      Start(scope_locator, href);
    }
    constexpr auto kRenewEvery = std::chrono::seconds(1);  // leases are 5 s at the shortest
    while (next_.wait_for(kRenewEvery) != std::future_status::ready) {
      if (!job.KeepAlive()) return LeaseLost();  // the destructor waits for the read to end
    }
    return next_.get();
  }

  void Prefetch(const std::string& href) { Start("", href); }

 private:
  void Start(const std::string& scope_locator, const std::optional<std::string>& href) {
    next_href_ = href.value_or("");
    next_ = std::async(std::launch::async,
                       [this, scope_locator, href] { return ReadPage(context_, reader_, scope_locator, href); });
  }

  SyncContext& context_;
  TeamCityReader& reader_;
  std::string next_href_;
  std::future<core::Result<ReadyPage>> next_;
};

// Stores the next page; false when the walk is over.
core::Result<bool> NextPage(SyncContext& context, TeamCityReader& reader, Progress& progress, PageAhead& ahead,
                            JobContext& job) {
  const auto scopes = reader.Scopes();
  if (progress.scope >= scopes.size()) return false;
  auto page = ahead.Take(job, LocatorFor(scopes[progress.scope], progress.since), progress.next_href);
  if (!page) return std::move(page).take_error();
  if (page->next_href) ahead.Prefetch(*page->next_href);

  const std::int64_t seen_before = progress.seen;
  progress.seen += static_cast<std::int64_t>(page->builds);
  if (page->lowest_build_id > 0 && (progress.lowest_build_id == 0 || page->lowest_build_id < progress.lowest_build_id)) {
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
  tx.Commit();
  context.metrics.builds_changed.Inc(static_cast<std::uint64_t>(saved.changed));
  if (saved.changed > 0) {
    // The send job starts on this page's records now, not after the run's last page.
    context.queue.Enqueue(reader.tenant(), JobKind::send, kSendKey);
    if (context.wake_workers) context.wake_workers();
  }
  if (GrewTenfold(seen_before, progress.seen)) RefreshStatistics(context);
  return progress.scope < scopes.size();
}

void Finish(SyncContext& context, TeamCityReader& reader, Progress& progress) {
  progress.state = "done";
  progress.total = std::max(progress.total, progress.seen);
  progress.finished_at = core::FormatRfc3339(context.clock.Now());
  db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
  if (progress.lowest_build_id > 0) RefreshDeployments(tx, reader.server(), core::BuildId(progress.lowest_build_id));
  RecordBackfill(tx, reader.server(), progress.Json());
  RecordEvent(tx, reader.server(), EventLevel::info, "backfill_done",
              "Backfill of the last " + std::to_string(progress.days) + " days done: " + std::to_string(progress.seen) +
                  " builds read.");
  tx.Commit();
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
    if (auto started = Start(context, **reader, progress); !started) return fail(started.error());
    Save(context, job.tenant, *server, progress);
  }
  PageAhead ahead(context, **reader);
  for (int i = 0; i < context.options.backfill_pages_per_run; ++i) {
    auto more = NextPage(context, **reader, progress, ahead, job_context);
    if (!more) {
      if (job_context.lease_lost()) return JobOutcome::Done();  // another worker has it now
      return fail(more.error());
    }
    gauge.Set(static_cast<double>(std::max<std::int64_t>(progress.total - progress.seen, 0)));
    progress.failures = 0;
    if (!*more) {
      Finish(context, **reader, progress);
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
