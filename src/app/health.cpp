#include "app/health.hpp"

#include <algorithm>

#include "db/error.hpp"
#include "db/migrations.hpp"

namespace tcj::app {

std::string_view ToString(DatabaseState state) {
  switch (state) {
    case DatabaseState::unknown: return "unknown";
    case DatabaseState::ready: return "ready";
    case DatabaseState::unreachable: return "database_unreachable";
    case DatabaseState::schema_behind: return "schema_behind";
  }
  return "unknown";
}

DatabaseHealth::DatabaseHealth(db::ConnectionSettings settings, int required_version, core::Logger log,
                               core::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      required_version_(required_version),
      log_(std::move(log)),
      ready_gauge_(metrics.AddGauge("db_ready", "1 when PostgreSQL is reachable and the schema is current.")) {}

DatabaseHealth::~DatabaseHealth() { Stop(); }

DatabaseState DatabaseHealth::CheckOnce() {
  try {
    if (!conn_ || !conn_->healthy()) {
      conn_.reset();
      conn_ = db::Connection::Open(settings_);
    }
    const int version = db::AppliedVersion(*conn_);
    applied_version_ = version;
    if (version < required_version_) {
      Record(DatabaseState::schema_behind, "the schema is at version " + std::to_string(version) +
                                               ", this build needs " + std::to_string(required_version_));
    } else {
      Record(DatabaseState::ready, "");
    }
  } catch (const db::DbError& e) {
    conn_.reset();
    Record(DatabaseState::unreachable, e.what());
  }
  return state_;
}

void DatabaseHealth::Record(DatabaseState state, std::string_view detail) {
  const DatabaseState before = state_.exchange(state);
  ready_gauge_.Set(state == DatabaseState::ready ? 1 : 0);
  if (before == state) return;
  if (state == DatabaseState::ready) {
    log_.Info("db.health.ready", {{"version", applied_version_.load()}});
  } else {
    log_.Error("db.health.not_ready", {{"state", ToString(state)}, {"detail", detail}});
  }
}

void DatabaseHealth::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DatabaseHealth::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DatabaseHealth::Loop() {
  std::chrono::seconds backoff{1};
  while (true) {
    const DatabaseState s = CheckOnce();
    std::chrono::seconds wait{2};
    if (s == DatabaseState::ready) {
      backoff = std::chrono::seconds{1};
    } else {
      wait = backoff;
      backoff = std::min(backoff * 2, std::chrono::seconds{5});
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

}  // namespace tcj::app
