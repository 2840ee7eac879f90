#include "db/change_feed.hpp"

#include <array>

#include "core/random.hpp"
#include "db/error.hpp"

namespace tcj::db {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long one wait for notices lasts: the longest Stop waits for the thread.
constexpr auto kWaitSlice = 250ms;
constexpr auto kRetryPause = 1s;
// The feed's own notices ("feed <nonce>"): never passed to subscribers.
constexpr std::string_view kPingTable = "feed";

struct Lost : DbError {
  explicit Lost(const std::string& message) : DbError(DbErrorKind::connection, "08006", message) {}
};

}  // namespace

std::optional<Change> ParseChange(std::string_view payload) {
  const auto space = payload.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == payload.size()) return std::nullopt;
  return Change{std::string(payload.substr(0, space)), std::string(payload.substr(space + 1))};
}

ChangeFeed::ChangeFeed(Pool& pool, core::Logger log, std::chrono::milliseconds ping_every)
    : pool_(pool), log_(std::move(log)), ping_every_(ping_every) {}

ChangeFeed::~ChangeFeed() { Stop(); }

void ChangeFeed::Subscribe(OnChange on_change, OnGap on_gap) {
  subscribers_.push_back({std::move(on_change), std::move(on_gap)});
}

void ChangeFeed::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeed::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (thread_.joinable()) thread_.join();
  live_ = false;
}

void ChangeFeed::Gap() {
  for (const auto& s : subscribers_) s.on_gap();
}

bool ChangeFeed::PauseBeforeRetry() {
  std::unique_lock lock(mutex_);
  return !stop_signal_.wait_for(lock, kRetryPause, [this] { return stopping_; });
}

bool ChangeFeed::SendPing(const std::string& nonce) {
  // On a connection of its own: a busy pool would hold the feed (and every notice) up to its
  // acquire timeout.
  try {
    if (!ping_conn_ || !ping_conn_->healthy()) {
      ping_conn_ = Connection::Open(pool_.settings().With("application_name", "teamcity-jira change feed ping"));
    }
    const std::array<Param, 2> params{std::string(kChangeChannel), std::string(kPingTable) + " " + nonce};
    ping_conn_->Exec("SELECT pg_notify($1, $2)", params);
    return true;
  } catch (const DbError&) {
    ping_conn_.reset();
    return false;  // the database is unreachable: the wait for the ping decides
  }
}

// Passes notices on until the connection fails, stays silent past a ping, or the feed stops.
void ChangeFeed::Listen(Connection& conn) {
  std::string awaited;  // the nonce of the ping on its way, "" when none is
  Clock::time_point ping_sent;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const auto now = Clock::now();
    if (!awaited.empty() && now - ping_sent > ping_every_) {
      throw Lost("the change feed did not hear its own notice within " + std::to_string(ping_every_.count()) + " ms");
    }
    if (awaited.empty() && now - ping_sent >= ping_every_) {
      awaited = core::RandomHex(8);
      ping_sent = now;
      SendPing(awaited);
    }
    for (const auto& notice : conn.WaitForNotices(std::min<std::chrono::milliseconds>(kWaitSlice, ping_every_))) {
      const auto change = ParseChange(notice.payload);
      if (!change) continue;
      if (change->table == kPingTable) {
        if (change->tenant == awaited) awaited.clear();
        continue;
      }
      for (const auto& s : subscribers_) s.on_change(*change);
    }
  }
}

void ChangeFeed::Run() {
  bool outage_said = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    try {
      auto conn = Connection::Open(pool_.settings().With("application_name", "teamcity-jira change feed"));
      conn->Exec("LISTEN " + std::string(kChangeChannel));
      backend_pid_ = conn->backend_pid();
      // Whatever changed while nobody listened is unknown: start from nothing.
      Gap();
      live_ = true;
      if (outage_said) log_.Info("db.change_feed_back", {});
      outage_said = false;
      Listen(*conn);
      live_ = false;
      ping_conn_.reset();
      return;  // stopping
    } catch (const DbError& e) {
      const bool was_live = live_.exchange(false);
      if (was_live) Gap();
      if (!outage_said) log_.Warn("db.change_feed_down", {{"error", e.what()}, {"effect", "caches are bypassed"}});
      outage_said = true;
      if (!PauseBeforeRetry()) return;
    }
  }
}

}  // namespace tcj::db
