// app: this serve process's row in the serve registry (migrations/0023_serve_registry.sql):
// registered at start, a heartbeat every 15 seconds, removed when it stops, so that `migrate`
// knows which executables are running before it applies a contracting migration.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/log.hpp"
#include "db/pool.hpp"
#include "db/serve_registry.hpp"

namespace tcj::app {

// How often Beat must be called: the registry counts a process gone after three missed beats.
inline constexpr std::chrono::seconds kServeHeartbeatEvery{15};

// This process as the registry should know it: the host name, the pid, core::Version() and the
// highest migration built into the executable.
db::ServeIdentity ThisServe();

// Never throws: a database that cannot be reached is said once in the log, and the next Beat
// tries again (until then `migrate` does not see this process, which it can only be told of
// through the database anyway). Thread-safe.
class ServePresence {
 public:
  ServePresence(db::Pool& pool, db::ServeIdentity identity, core::Logger log);
  ~ServePresence();  // Leave()
  ServePresence(const ServePresence&) = delete;
  ServePresence& operator=(const ServePresence&) = delete;

  // Registers when not registered (or when the row went away), else says the process is alive.
  // True when the process is registered afterwards.
  bool Beat();
  // Removes the row, when there is one.
  void Leave();

 private:
  void Register();

  db::Pool& pool_;
  db::ServeIdentity identity_;
  core::Logger log_;
  std::mutex mutex_;
  std::optional<std::string> id_;  // the registry id, while registered
  bool failing_ = false;           // said once, until a beat works again
};

}  // namespace tcj::app
