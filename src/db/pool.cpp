#include "db/pool.hpp"

#include <iterator>

#include "core/blocking.hpp"
#include "db/error.hpp"

namespace tcj::db {

PoolMetrics::PoolMetrics(core::MetricsRegistry& registry)
    : connections_open(registry.AddGauge("db_pool_connections_open", "Connections to PostgreSQL currently open.")),
      connections_in_use(registry.AddGauge("db_pool_connections_in_use", "Connections currently lent out.")),
      connects(registry.AddCounter("db_connects_total", "Connections opened to PostgreSQL, reconnects included.")),
      connect_failures(registry.AddCounter("db_connect_failures_total", "Failed attempts to connect to PostgreSQL.")),
      acquire_timeouts(registry.AddCounter("db_pool_acquire_timeouts_total",
                                           "Times a caller gave up waiting for a free connection.")) {}

Pool::Pool(ConnectionSettings settings, PoolOptions options, PoolMetrics* metrics)
    : settings_(std::move(settings)), options_(options), metrics_(metrics) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_));
}

Pool::Lease Pool::Acquire() {
  core::MayBlock();  // a query waits for PostgreSQL (see core/blocking.hpp)
  std::unique_lock lock(mutex_);
  const bool got_slot = freed_.wait_for(lock, options_.acquire_timeout, [this] {
    return !idle_.empty() || in_use_ + static_cast<int>(idle_.size()) < options_.size;
  });
  if (!got_slot) {
    if (metrics_) metrics_->acquire_timeouts.Inc();
    throw DbError(DbErrorKind::pool_exhausted, "", "no database connection became free in time");
  }
  ++in_use_;
  if (metrics_) metrics_->connections_in_use.Set(in_use_);
  std::vector<std::unique_ptr<Connection>> hung_up;
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->StillUsable()) {
      lock.unlock();
      CloseAll(hung_up);
      return Lease(this, std::move(conn));
    }
    // The server hung up while it sat here (stopped, or failed over): the others led there too.
    hung_up.push_back(std::move(conn));
    std::move(idle_.begin(), idle_.end(), std::back_inserter(hung_up));
    idle_.clear();
  }
  lock.unlock();
  CloseAll(hung_up);
  try {
    auto conn = Connection::Open(settings_);
    if (metrics_) {
      metrics_->connects.Inc();
      metrics_->connections_open.Add(1);
    }
    return Lease(this, std::move(conn));
  } catch (...) {
    if (metrics_) metrics_->connect_failures.Inc();
    lock.lock();
    --in_use_;
    if (metrics_) metrics_->connections_in_use.Set(in_use_);
    freed_.notify_one();
    throw;
  }
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  // A connection that broke, or found the server read-only, says the same of every idle one:
  // they lead to the same server. Dropping them all now keeps the next requests from each
  // failing once on a dead connection after a failover.
  const bool server_lost = !conn->healthy() || conn->read_only();
  const bool reusable = !server_lost && conn->idle();
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (metrics_) metrics_->connections_in_use.Set(in_use_);
    if (reusable) idle_.push_back(std::move(conn));
    if (server_lost) closing.swap(idle_);
    freed_.notify_one();
  }
  if (!reusable) closing.push_back(std::move(conn));
  CloseAll(closing);  // outside the lock: closing is a system call or two
}

void Pool::CloseAll(std::vector<std::unique_ptr<Connection>>& connections) {
  for (auto& conn : connections) {
    conn.reset();
    if (metrics_) metrics_->connections_open.Add(-1);
  }
  connections.clear();
}

}  // namespace tcj::db
