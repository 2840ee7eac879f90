// app: the metrics of the monitoring kit (deploy/prometheus, deploy/grafana) that no single
// component owns: the database-wide sync figures, the served certificate's expiry, and the room
// left where backups are written.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/tls.hpp"
#include "sync/monitoring.hpp"

namespace tcj::app {

// sync_queue_jobs{kind,state}, sync_queue_oldest_due_seconds{kind} and sync_server_lag_seconds{server},
// read from the database on a thread of its own every `every` (one round trip) and served from
// memory when scraped: a scrape never touches the database. The figures are the whole database's,
// so every serve process sharing it exports the same ones: aggregate them across processes with
// max(), never sum(). After a failed read there are no figures until a read succeeds (db_ready
// says why). Thread-safe; the registered gauges stay valid after this object is gone (they then
// show nothing).
class SyncSnapshotMetrics {
 public:
  using Reader = std::function<sync::MonitoringSnapshot()>;  // throws db::DbError when it cannot read

  SyncSnapshotMetrics(core::MetricsRegistry& metrics, Reader read, core::Logger log,
                      std::chrono::milliseconds every = std::chrono::seconds(15));
  ~SyncSnapshotMetrics();
  SyncSnapshotMetrics(const SyncSnapshotMetrics&) = delete;
  SyncSnapshotMetrics& operator=(const SyncSnapshotMetrics&) = delete;

  // One read now, on the caller's thread; false when it failed.
  bool RefreshOnce();

  // Runs refresh on this object's thread after each read (before Start): other figures that
  // must not be read on a scrape either.
  void AlsoRefresh(std::function<void()> refresh);

  // Reads at once, then every `every`, until Stop.
  void Start();
  void Stop();

 private:
  struct Shared;  // what the gauges read: shared with them, so they outlive this object safely
  void Loop();

  Reader read_;
  core::Logger log_;
  std::chrono::milliseconds every_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::function<void()>> also_;
  bool failing_ = false;  // only the refreshing thread uses it
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// http_tls_certificate_not_after_seconds{listener="public"}: when the certificate the public
// listener serves expires, in Unix time; follows reloads (SIGHUP). No sample when TLS is off (tls null).
void RegisterTlsCertificateMetric(core::MetricsRegistry& metrics, std::shared_ptr<const http::TlsServerContext> tls);

// backup_filesystem_free_bytes and backup_filesystem_size_bytes: the filesystem that holds
// backup_dir (retention.backup_dir). Free is what an unprivileged writer such as `backup create`
// may still use. No sample while the folder is missing. The gauges show the last reading; the
// returned function reads again (statvfs): run it off the scrape (SyncSnapshotMetrics::AlsoRefresh),
// as a hung network mount would hold whatever thread asks.
std::function<void()> RegisterBackupDiskMetrics(core::MetricsRegistry& metrics, std::string backup_dir);

}  // namespace tcj::app
