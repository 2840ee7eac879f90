// db: notices of committed changes to what `serve` processes cache (sites, Forge installations,
// TeamCity servers and their settings, admin tokens), from every process sharing the database.
// Triggers send them (migration 0017: NOTIFY tcj_changes "<table> <tenant id>"); one connection of
// each process LISTENs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "db/connection.hpp"
#include "db/pool.hpp"

namespace tcj::db {

inline constexpr std::string_view kChangeChannel = "tcj_changes";

// A change made with no tenant set (an operator's maintenance) concerns every tenant.
inline constexpr std::string_view kEveryTenant = "*";

struct Change {
  std::string table;
  std::string tenant;  // the tenant id as text, or kEveryTenant
};

// Reads a notice's payload; nullopt when it is not one of ours.
std::optional<Change> ParseChange(std::string_view payload);

class ChangeFeed {
 public:
  // Both run on the feed's thread and must be quick. on_gap: notices may have been missed (the
  // connection was lost, or is back): drop everything.
  using OnChange = std::function<void(const Change&)>;
  using OnGap = std::function<void()>;

  // The feed listens on a connection of its own, opened with the pool's settings, and proves every
  // ping_every that it still hears: it sends itself a notice on a second connection, and a notice not
  // back within ping_every means the connection is gone, even one that died without a word (a
  // firewall's idle timeout, a stopped server): the feed reconnects and reports a gap.
  ChangeFeed(Pool& pool, core::Logger log, std::chrono::milliseconds ping_every = std::chrono::seconds(5));
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Before Start.
  void Subscribe(OnChange on_change, OnGap on_gap);
  void Start();
  void Stop();

  // True while listening: a change any process commits reaches the subscribers within moments.
  // False before the first LISTEN, and from a lost connection until the next LISTEN; a cache must
  // then read the database instead of answering from memory.
  bool live() const { return live_.load(std::memory_order_acquire); }
  // The server process of the listening connection (pg_stat_activity.pid); 0 before the first.
  int backend_pid() const { return backend_pid_.load(); }

 private:
  struct Subscriber {
    OnChange on_change;
    OnGap on_gap;
  };
  void Run();
  void Listen(Connection& conn);
  void Gap();
  // Sends this feed a notice through the pool; false when the database did not take it.
  bool SendPing(const std::string& nonce);
  // False when stopping.
  bool PauseBeforeRetry();

  Pool& pool_;
  core::Logger log_;
  std::chrono::milliseconds ping_every_;
  std::vector<Subscriber> subscribers_;
  std::atomic<bool> live_{false};
  std::atomic<int> backend_pid_{0};
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread thread_;
  std::unique_ptr<Connection> ping_conn_;  // the feed's thread only
};

}  // namespace tcj::db
