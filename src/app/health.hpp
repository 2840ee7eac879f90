// app: DatabaseHealth, which keeps /readyz honest: is the database reachable and the schema current?
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "db/connection.hpp"

namespace tcj::app {

enum class DatabaseState { unknown, ready, unreachable, schema_behind };

std::string_view ToString(DatabaseState state);

// Checks the database on its own connection (so a busy pool cannot make it lie), every two
// seconds while healthy and with backoff up to 5 s while not. Logs only when the state changes,
// so an outage does not flood the log. Thread-safe.
class DatabaseHealth {
 public:
  DatabaseHealth(db::ConnectionSettings settings, int required_version, core::Logger log,
                 core::MetricsRegistry& metrics);
  ~DatabaseHealth();

  // One check now, on the caller's thread.
  DatabaseState CheckOnce();
  int applied_version() const { return applied_version_; }

  void Start();
  void Stop();

  DatabaseState state() const { return state_; }

 private:
  void Loop();
  void Record(DatabaseState state, std::string_view detail);

  db::ConnectionSettings settings_;
  int required_version_;
  core::Logger log_;
  core::Gauge& ready_gauge_;
  std::unique_ptr<db::Connection> conn_;
  std::atomic<DatabaseState> state_{DatabaseState::unknown};
  std::atomic<int> applied_version_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tcj::app
