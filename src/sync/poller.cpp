#include "sync/poller.hpp"

#include <algorithm>
#include <set>

#include "db/transaction.hpp"
#include "sync/build_store.hpp"
#include "sync/events.hpp"
#include "sync/teamcity_reader.hpp"
#include "sync/unreadable_builds.hpp"
#include "teamcity/dates.hpp"
#include "teamcity/parse.hpp"

namespace tcj::sync {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

std::string DateLocator(const char* dimension, TimePoint after) {
  return std::string(dimension) + ":(date:" + teamcity::FormatTeamCityDate(after) + ",condition:after)";
}

// The latest finish date among the builds, if later than the cursor.
std::optional<TimePoint> LatestFinish(const BuildsById& builds, std::optional<TimePoint> cursor) {
  for (const auto& [id, build] : builds) {
    if (build.state != teamcity::BuildState::finished) continue;
    const auto finished = teamcity::ParseTeamCityDate(build.finish_date);
    if (finished && (!cursor || *finished > *cursor)) cursor = finished;
  }
  return cursor;
}

struct PollResult {
  std::optional<std::string> cursor_time;
  std::optional<std::string> server_version;
  bool reread = false;
  std::int64_t read = 0;
  SaveResult saved;
};

core::Result<PollResult> Poll(SyncContext& context, TeamCityReader& reader, const SyncState& state, JobContext& job) {
  PollResult result;
  teamcity::Client& client = reader.client();

  // The server's clock starts the cursor; its version is shown to the admin.
  std::optional<TimePoint> cursor;
  if (state.cursor_time) cursor = teamcity::ParseTeamCityDate(*state.cursor_time);
  if (!cursor || !state.server_version) {
    auto info = client.Server();
    if (!info) return std::move(info).take_error();
    result.server_version = info->version;
    if (!cursor) {
      cursor = teamcity::ParseTeamCityDate(info->current_time);
      if (!cursor) {
        return core::Error::Make(
            core::ErrorKind::bad_payload, "teamcity.bad_date",
            "TeamCity's clock is not in its usual date format (was rest.defaultDateFormat changed?)");
      }
    }
  }

  const auto now = context.clock.Now();
  result.reread = !state.last_reread_at || now - *state.last_reread_at >= context.options.reread_every;
  const TimePoint since =
      *cursor - (result.reread ? std::chrono::duration_cast<std::chrono::seconds>(context.options.reread_window)
                               : std::chrono::duration_cast<std::chrono::seconds>(context.options.overlap));

  BuildsById builds;
  UnreadableBuilds unreadable;
  for (const std::string& scope : reader.Scopes()) {
    for (const std::string& locator :
         {scope + "defaultFilter:false,state:finished," + DateLocator("finishDate", since),
          scope + "defaultFilter:false,state:running", scope + "defaultFilter:false,state:queued"}) {
      if (auto read = reader.ReadAll(locator, builds, unreadable, job); !read) return std::move(read).take_error();
    }
  }
  std::set<std::int64_t> unreadable_ids;
  for (const auto& u : unreadable) {
    if (u.id) unreadable_ids.insert(*u.id);
  }

  // Builds we track as open that none of the lists returned: look them up one by one.
  std::vector<std::int64_t> open;
  {
    db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
    open = OpenBuildIds(tx, reader.server());
    tx.Commit();
  }
  std::vector<std::int64_t> gone;
  for (std::int64_t id : open) {
    if (builds.contains(id) || unreadable_ids.contains(id)) continue;
    if (!job.KeepAlive()) return LeaseLost();
    auto build = client.BuildById(core::BuildId(id));
    if (!build && build.error().code == teamcity::kUnreadableBuildCode) {
      // Still open in the table: looked up again at the next poll.
      unreadable.push_back(teamcity::UnreadableBuildOf(id, build.error()));
      continue;
    }
    if (!build) return std::move(build).take_error();
    if (*build) {
      builds.emplace(id, std::move(**build));
    } else {
      gone.push_back(id);
    }
  }

  if (auto complete = reader.Complete(builds, unreadable, job); !complete) return std::move(complete).take_error();
  SettleUnreadable(unreadable, builds);
  result.read = static_cast<std::int64_t>(builds.size());
  // The cursor follows the builds that could be read. An unreadable one that finished before it
  // stays within the re-read window for its length (6 hours) and is read again at every re-read.
  const auto latest = LatestFinish(builds, cursor);
  result.cursor_time = teamcity::FormatTeamCityDate(*latest);

  db::TenantTransaction tx(context.pool, reader.tenant(), db::Durability::relaxed);
  result.saved = SaveBuilds(tx, reader.server(), reader.Map(builds));
  for (std::int64_t id : gone) MarkDeleted(tx, reader.server(), core::BuildId(id));
  RecordPollSuccess(tx, reader.server(), {result.cursor_time, result.server_version, result.reread, result.read});
  const UnreadableBuilds told = TellUnreadable(tx, reader.server(), unreadable);
  const bool pending = HasPending(tx);
  tx.Commit();
  context.metrics.builds_changed.Inc(static_cast<std::uint64_t>(result.saved.changed));
  CountUnreadable(context, reader.tenant(), reader.server(), unreadable, told);
  if (pending) {
    context.queue.Enqueue(reader.tenant(), JobKind::send, kSendKey);
    if (context.wake_workers) context.wake_workers();
  }
  return result;
}

// Failures are logged (and become an event on the admin page) when they start, when their kind
// changes and when they end: a server that is down for a day gives two lines, not thousands.
bool IsNewFailure(const SyncState& before, const core::Error& error, int failures) {
  return failures == 1 || before.last_error_code != error.code;
}

void LogFailure(SyncContext& context, const Job& job, const core::ServerId& server, const SyncState& before,
                const core::Error& error, int failures) {
  if (IsNewFailure(before, error, failures)) {
    context.log.Warn("sync.poll_failed", {{"tenant", job.tenant.str()},
                                          {"server", server.str()},
                                          {"code", error.code},
                                          {"error", error.message},
                                          {"failures", failures}});
  }
}

}  // namespace

core::Backoff PollBackoff(std::chrono::seconds interval, core::UniformRandom random) {
  return core::Backoff({.base = interval, .cap = std::chrono::minutes(10), .jitter = core::Jitter::tenth},
                       std::move(random));
}

JobOutcome RunPoll(SyncContext& context, const Job& job, JobContext& job_context) {
  const auto server = ServerOfPayload(job.payload);
  if (!server) return JobOutcome::Dead("the poll job does not name a server");
  if (context.forge_can_send && context.site_facts(job.tenant).forge && !context.forge_can_send(job.tenant)) {
    // Nothing read now could be sent; Forge's next call wakes the site (Engine::TenantCanSend).
    return JobOutcome::Again(context.options.poll_interval);
  }
  SyncState state;
  {
    db::TenantTransaction tx(context.pool, job.tenant, db::Durability::relaxed);
    state = LoadSyncState(tx, *server);
    tx.Commit();
  }
  auto reader = TeamCityReader::Open(context, job.tenant, *server);
  if (reader && !*reader) return JobOutcome::Done();  // the server was removed
  core::Result<PollResult> polled =
      reader ? Poll(context, **reader, state, job_context) : core::Result<PollResult>(reader.error());
  if (job_context.lease_lost()) return JobOutcome::Done();  // another worker has it now
  if (polled) {
    context.metrics.polls.Labels({"ok"}).Inc();
    if (state.consecutive_failures > 0) {
      context.log.Info(
          "sync.poll_recovered",
          {{"tenant", job.tenant.str()}, {"server", server->str()}, {"failures", state.consecutive_failures}});
      db::TenantTransaction tx(context.pool, job.tenant, db::Durability::relaxed);
      RecordEvent(tx, *server, EventLevel::info, "poll_recovered",
                  "TeamCity answers again after " + std::to_string(state.consecutive_failures) + " failed polls.");
      tx.Commit();
      // A backfill waiting out the same outage need not wait any longer.
      if (context.queue.RunNow(job.tenant, BackfillKey(*server)) && context.wake_workers) context.wake_workers();
    }
    return JobOutcome::Again(context.poll_backoff.Delay(0));
  }
  context.metrics.polls.Labels({"failed"}).Inc();
  int failures = 0;
  {
    db::TenantTransaction tx(context.pool, job.tenant, db::Durability::relaxed);
    failures = RecordPollFailure(tx, *server, polled.error());
    if (IsNewFailure(state, polled.error(), failures)) {
      RecordEvent(tx, *server, EventLevel::error, "poll_failed", "Polling failed: " + polled.error().message);
    }
    tx.Commit();
  }
  LogFailure(context, job, *server, state, polled.error(), failures);
  auto delay = context.poll_backoff.Delay(failures);
  if (polled.error().retry_after) {
    delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(*polled.error().retry_after));
  }
  return JobOutcome::Again(delay);
}

}  // namespace tcj::sync
