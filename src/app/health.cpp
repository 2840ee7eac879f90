#include "app/health.hpp"

#include <algorithm>

#include "core/backoff.hpp"
#include "db/error.hpp"
#include "db/migrations.hpp"
#include "db/runtime_role.hpp"

namespace tcj::app {

std::string_view ToString(DatabaseState state) {
  switch (state) {
    case DatabaseState::unknown: return "unknown";
    case DatabaseState::ready: return "ready";
    case DatabaseState::unreachable: return "database_unreachable";
    case DatabaseState::read_only:
      return "database_read_only";
    case DatabaseState::schema_behind: return "schema_behind";
    case DatabaseState::schema_contracted:
      return "schema_contracted";
    case DatabaseState::unsafe_role: return "unsafe_database_role";
  }
  return "unknown";
}

DatabaseHealth::DatabaseHealth(db::ConnectionSettings settings, int required_version, int known_version,
                               core::Logger log, core::MetricsRegistry& metrics, std::function<void()> on_unfit)
    : settings_(std::move(settings)),
      required_version_(required_version),
      known_version_(known_version),
      log_(std::move(log)),
      ready_gauge_(metrics.AddGauge("db_ready", "1 when PostgreSQL is reachable and the schema is current.")),
      on_unfit_(std::move(on_unfit)) {}

DatabaseHealth::~DatabaseHealth() { Stop(); }

DatabaseState DatabaseHealth::CheckOnce() {
  try {
    if (!conn_ || !conn_->healthy()) {
      conn_.reset();
      conn_ = db::Connection::Open(settings_);
    }
    const int version = db::AppliedVersion(*conn_);
    applied_version_ = version;
    if (conn_->read_only()) {  // as of the answer just read
      conn_.reset();
      Record(DatabaseState::read_only, "the database takes no writes: a standby, or a primary being demoted");
    } else if (version < required_version_) {
      Record(DatabaseState::schema_behind, "the schema is at version " + std::to_string(version) +
                                               ", this build needs " + std::to_string(required_version_));
    } else if (auto contracted =
                   version > known_version_ ? db::AppliedContractingAfter(*conn_, known_version_) : std::nullopt) {
      {
        std::lock_guard lock(mutex_);
        contracted_by_ = *contracted;
      }
      Record(DatabaseState::schema_contracted, "contracting migration " + *contracted +
                                                   " is applied, and this build knows migrations up to " +
                                                   std::to_string(known_version_) + " only: run the newer version");
    } else if (const auto problems = db::RuntimeRoleProblems(*conn_); !problems.empty()) {
      std::string reason;
      for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
      {
        std::lock_guard lock(mutex_);
        unsafe_role_reason_ = reason;
      }
      Record(DatabaseState::unsafe_role, reason);
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

std::string DatabaseHealth::unsafe_role_reason() const {
  std::lock_guard lock(mutex_);
  return unsafe_role_reason_;
}

std::string DatabaseHealth::contracted_by() const {
  std::lock_guard lock(mutex_);
  return contracted_by_;
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
  // Every 2 s while ready; while not, from 1 s up to 5 s (and many processes apart).
  const core::Backoff backoff({.base = std::chrono::seconds(1), .cap = std::chrono::seconds(5), .jitter = core::Jitter::tenth});
  int failures = 0;
  while (true) {
    const DatabaseState s = CheckOnce();
    const bool unfit = s == DatabaseState::unsafe_role || s == DatabaseState::schema_contracted;
    if (unfit && on_unfit_) on_unfit_();
    failures = s == DatabaseState::ready ? 0 : failures + 1;
    const std::chrono::milliseconds wait = failures == 0 ? std::chrono::seconds(2) : backoff.Delay(failures - 1);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

}  // namespace tcj::app
