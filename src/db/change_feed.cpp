#include "db/change_feed.hpp"

#include "db/error.hpp"

namespace tcj::db {
namespace {

using namespace std::chrono_literals;

// How long one wait for notices lasts: the longest Stop waits for the thread.
constexpr auto kWaitSlice = 250ms;
constexpr auto kRetryPause = 1s;

}  // namespace

std::optional<Change> ParseChange(std::string_view payload) {
  const auto space = payload.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == payload.size()) return std::nullopt;
  return Change{std::string(payload.substr(0, space)), std::string(payload.substr(space + 1))};
}

ChangeFeed::ChangeFeed(ConnectionSettings settings, core::Logger log)
    : settings_(std::move(settings)), log_(std::move(log)) {}

ChangeFeed::~ChangeFeed() {
  Stop();
}

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

void ChangeFeed::Run() {
  bool outage_said = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::unique_ptr<Connection> conn;
    try {
      conn = Connection::Open(settings_.With("application_name", "teamcity-jira change feed"));
      conn->Exec("LISTEN " + std::string(kChangeChannel));
    } catch (const DbError& e) {
      if (!outage_said) log_.Warn("db.change_feed_down", {{"error", e.what()}, {"effect", "caches are bypassed"}});
      outage_said = true;
      if (!PauseBeforeRetry()) return;
      continue;
    }
    // Whatever changed while nobody listened is unknown: start from nothing.
    Gap();
    live_ = true;
    if (outage_said) log_.Info("db.change_feed_back", {});
    outage_said = false;
    try {
      while (true) {
        {
          std::lock_guard lock(mutex_);
          if (stopping_) break;
        }
        for (const auto& notice : conn->WaitForNotices(kWaitSlice)) {
          const auto change = ParseChange(notice.payload);
          if (!change) continue;
          for (const auto& s : subscribers_) s.on_change(*change);
        }
      }
    } catch (const DbError& e) {
      live_ = false;
      Gap();
      log_.Warn("db.change_feed_down", {{"error", e.what()}, {"effect", "caches are bypassed"}});
      outage_said = true;
      if (!PauseBeforeRetry()) return;
      continue;
    }
    live_ = false;
    return;
  }
}

}  // namespace tcj::db
