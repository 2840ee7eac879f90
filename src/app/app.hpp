// app: wiring only. Builds every component from the Config and owns their start and stop order.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "core/log.hpp"

namespace tcj::app {

// Exit codes of the commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;  // bad configuration or arguments

// The User-Agent of every outbound request.
std::string UserAgent();

// trial_site: make a trial site with an admin token when there is no site at all (`make run`);
// refused (exit 2) unless the database is the embedded one.
struct ServeOptions {
  bool trial_site = false;
};

// Serves until SIGTERM or SIGINT, then shuts down gracefully; SIGHUP reloads the TLS certificate.
// The caller must have blocked those signals in every thread (BlockShutdownSignals) before any
// thread was created.
int Serve(const config::Config& config, const core::Logger& log, const ServeOptions& options = {});

// expand_only: leave the pending contracting migrations for later (migrations/README.md), for the
// first step of a rolling upgrade, while the previous version still serves.
struct MigrateOptions {
  bool expand_only = false;
};

// Applies pending migrations and reports the schema version. Refuses (exit 1, nothing applied)
// a contracting migration while a serve process built without it is running.
int Migrate(const config::Config& config, const core::Logger& log, const MigrateOptions& options = {});

// Blocks SIGTERM, SIGINT and SIGHUP so that Serve can wait for them with sigwait.
void BlockShutdownSignals();
// For the other commands: let SIGINT and SIGTERM end the program as usual.
void UnblockShutdownSignals();
// With them blocked: returns SIGTERM or SIGINT; each SIGHUP before that runs on_hangup and waits on.
int WaitForShutdownSignal(const std::function<void()>& on_hangup);
// With them blocked: waits for delay, or less if SIGTERM or SIGINT comes meanwhile.
void WaitOutShutdownDelay(std::chrono::seconds delay);

// Two malloc arenas for the whole process, set before any thread exists. glibc gives threads
// arenas of their own (up to 8 per core), and the sync's threads each keep the high-water mark
// of the pages they handled: a backfill of 200 000 builds peaked at 252 MiB that way, 102 MiB with
// two arenas, at the same speed.
void LimitMallocArenas();

}  // namespace tcj::app
