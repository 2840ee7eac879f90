// app: DatabaseHealth, which keeps /readyz honest: is the database reachable and the schema current?
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "db/connection.hpp"

namespace tcj::app {

// read_only: the server reached takes no writes (a standby, or a primary a failover is demoting);
// the next check connects afresh, which a multi-host URL with target_session_attrs=read-write
// leads to the primary. unsafe_role: the role the service logs in as could see past row level
// security (see db::RuntimeRoleProblems); the service refuses to serve with it. schema_contracted:
// a contracting migration this executable was built without has been applied
// (db::AppliedContractingAfter), so the schema may lack what it uses: it is not ready, and refuses
// to start.
enum class DatabaseState { unknown, ready, unreachable, read_only, schema_behind, schema_contracted, unsafe_role };

std::string_view ToString(DatabaseState state);

// Checks the database on its own connection (so a busy pool cannot make it lie), every two
// seconds while healthy and with backoff up to 5 s while not: reachable, schema current (not older
// than required_version, no contracting migration above known_version), and the role fit to serve
// (checked every time, so a grant made while serving is found too). Logs only when the state
// changes, so an outage does not flood the log. Thread-safe.
class DatabaseHealth {
 public:
  // on_unfit runs on the checking thread when this process must not go on (the service stops): the
  // role is unfit, or a contracting migration took the schema past what this executable knows (an
  // old process that slipped past migrate's check of the registry stops within one check).
  // required_version: db::RequiredVersion of the executable's migrations; known_version: how many
  // it has.
  DatabaseHealth(db::ConnectionSettings settings, int required_version, int known_version, core::Logger log,
                 core::MetricsRegistry& metrics, std::function<void()> on_unfit = {});
  ~DatabaseHealth();

  // One check now, on the caller's thread.
  DatabaseState CheckOnce();
  int applied_version() const { return applied_version_; }
  // Why the role is unfit, when state() is unsafe_role; which migration, when schema_contracted.
  std::string unsafe_role_reason() const;
  std::string contracted_by() const;

  void Start();
  void Stop();

  DatabaseState state() const { return state_; }

 private:
  void Loop();
  void Record(DatabaseState state, std::string_view detail);

  db::ConnectionSettings settings_;
  int required_version_;
  int known_version_;
  core::Logger log_;
  core::Gauge& ready_gauge_;
  std::function<void()> on_unfit_;
  std::string unsafe_role_reason_;  // guarded by mutex_
  std::string contracted_by_;       // guarded by mutex_
  std::unique_ptr<db::Connection> conn_;
  std::atomic<DatabaseState> state_{DatabaseState::unknown};
  std::atomic<int> applied_version_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tcj::app
