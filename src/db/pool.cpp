#include "db/pool.hpp"

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
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  lock.unlock();
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
  const bool reusable = conn->healthy() && conn->idle();
  if (!reusable) {
    conn.reset();  // closes it outside the lock's critical path below
    if (metrics_) metrics_->connections_open.Add(-1);
  }
  std::lock_guard lock(mutex_);
  --in_use_;
  if (metrics_) metrics_->connections_in_use.Set(in_use_);
  if (reusable) idle_.push_back(std::move(conn));
  freed_.notify_one();
}

}  // namespace tcj::db
