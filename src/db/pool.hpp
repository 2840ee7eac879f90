// db: a bounded pool of connections, shared by every thread of the process.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/metrics.hpp"
#include "db/connection.hpp"

namespace tcj::db {

struct PoolOptions {
  int size = 16;
  std::chrono::milliseconds acquire_timeout{5000};
};

// What the pool reports. Declared once here; created by the owner of the registry.
struct PoolMetrics {
  explicit PoolMetrics(core::MetricsRegistry& registry);
  core::Gauge& connections_open;
  core::Gauge& connections_in_use;
  core::Counter& connects;
  core::Counter& connect_failures;
  core::Counter& acquire_timeouts;
};

// Connections are opened lazily and reused. A connection that broke, or that is returned with a
// transaction still open, is closed instead of reused, so a database restart heals by itself. When
// one connection finds the server gone or read-only, every idle one is closed with it, and an idle
// connection the server hung up on is never lent out: after a failover, new connections go where
// the URL now leads (a multi-host URL with target_session_attrs=read-write: the new primary).
// Thread-safe.
class Pool {
 public:
  Pool(ConnectionSettings settings, PoolOptions options, PoolMetrics* metrics = nullptr);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Exclusive use of one connection until destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Waits up to acquire_timeout for a free slot; throws DbError(pool_exhausted) or
  // DbError(connection) when the database cannot be reached.
  Lease Acquire();

  const ConnectionSettings& settings() const { return settings_; }

 private:
  void Release(std::unique_ptr<Connection> conn);
  // Closes and forgets them (the caller took them out of idle_ or in_use_ already).
  void CloseAll(std::vector<std::unique_ptr<Connection>>& connections);

  ConnectionSettings settings_;
  PoolOptions options_;
  PoolMetrics* metrics_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int in_use_ = 0;
};

}  // namespace tcj::db
