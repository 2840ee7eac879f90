#include "app/serve_presence.hpp"

#include <unistd.h>

#include <array>
#include <exception>

#include "app/database.hpp"
#include "core/version.hpp"

namespace tcj::app {

db::ServeIdentity ThisServe() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') host = {'?'};
  return db::ServeIdentity{.host = host.data(),
                           .pid = static_cast<int>(getpid()),
                           .version = core::Version(),
                           .known_migration = static_cast<int>(KnownMigrations().size())};
}

ServePresence::ServePresence(db::Pool& pool, db::ServeIdentity identity, core::Logger log)
    : pool_(pool), identity_(std::move(identity)), log_(std::move(log)) {}

ServePresence::~ServePresence() {
  Leave();
}

bool ServePresence::Beat() {
  std::lock_guard lock(mutex_);
  try {
    if (id_ && !db::HeartbeatServe(pool_, *id_)) {
      log_.Warn("serve.registry.row_gone", {{"note",
                                             "this process's registry row was pruned (it was silent for "
                                             "longer than 45 s): registering again"}});
      id_.reset();
    }
    if (!id_) Register();
    if (failing_) log_.Info("serve.registry.recovered");
    failing_ = false;
  } catch (const std::exception& e) {  // DbError above all; nothing may end the thread that beats
    if (!failing_) {
      log_.Warn("serve.registry.failed",
                {{"error", e.what()}, {"note", "retrying every 15 s; until then migrate does not see this process"}});
    }
    failing_ = true;
  }
  return id_.has_value();
}

void ServePresence::Register() {
  id_ = db::RegisterServe(pool_, identity_);
  if (!id_) {
    // Not a failure: a migrate is running, and registering now would slip past its check.
    log_.Info("serve.registry.deferred", {{"note", "a migration is running; registering at the next heartbeat"}});
    return;
  }
  log_.Info("serve.registry.registered",
            {{"version", identity_.version}, {"known_migration", identity_.known_migration}});
}

void ServePresence::Leave() {
  std::lock_guard lock(mutex_);
  if (!id_) return;
  try {
    db::UnregisterServe(pool_, *id_);
    log_.Info("serve.registry.unregistered");
  } catch (const std::exception& e) {
    log_.Warn("serve.registry.unregister_failed",
              {{"error", e.what()}, {"note", "the row is ignored once its heartbeat is 45 s old"}});
  }
  id_.reset();
}

}  // namespace tcj::app
