#include "app/monitoring.hpp"

#include <sys/statvfs.h>

#include <array>
#include <optional>
#include <utility>

#include "db/error.hpp"

namespace tcj::app {
namespace {

constexpr std::array kJobKinds = {sync::JobKind::poll, sync::JobKind::send, sync::JobKind::backfill,
                                  sync::JobKind::delete_server, sync::JobKind::forget_link};
constexpr std::array<std::string_view, 2> kLiveStates = {"queued", "running"};

}  // namespace

struct SyncSnapshotMetrics::Shared {
  std::mutex mutex;
  std::optional<sync::MonitoringSnapshot> snapshot;  // nullopt: no successful read yet, or the last failed
};

SyncSnapshotMetrics::SyncSnapshotMetrics(core::MetricsRegistry& metrics, Reader read, core::Logger log,
                                         std::chrono::milliseconds every)
    : read_(std::move(read)), log_(std::move(log)), every_(every), shared_(std::make_shared<Shared>()) {
  // Every kind and live state has a series (0 when empty) once a read succeeded, so that dashboards
  // draw an empty queue as 0 rather than as no data.
  metrics.AddCallbackGaugeFamily(
      "sync_queue_jobs",
      "Live jobs in the queue of the whole database, by kind and state (queued, running); the same in every "
      "process: aggregate with max().",
      {"kind", "state"}, [shared = shared_] {
        core::MetricsRegistry::LabeledValues values;
        std::lock_guard lock(shared->mutex);
        if (!shared->snapshot) return values;
        for (sync::JobKind kind : kJobKinds) {
          for (std::string_view state : kLiveStates) {
            double jobs = 0;
            for (const auto& q : shared->snapshot->queue) {
              if (q.kind == kind && q.state == state) jobs = static_cast<double>(q.jobs);
            }
            values.push_back({{std::string(sync::ToString(kind)), std::string(state)}, jobs});
          }
        }
        return values;
      });
  metrics.AddCallbackGaugeFamily(
      "sync_queue_oldest_due_seconds",
      "How long the oldest due queued job of each kind has waited for a worker, database-wide (0: none waits).",
      {"kind"}, [shared = shared_] {
        core::MetricsRegistry::LabeledValues values;
        std::lock_guard lock(shared->mutex);
        if (!shared->snapshot) return values;
        for (sync::JobKind kind : kJobKinds) {
          double oldest = 0;
          for (const auto& q : shared->snapshot->queue) {
            if (q.kind == kind && q.state == "queued") oldest = static_cast<double>(q.oldest_due_seconds);
          }
          values.push_back({{std::string(sync::ToString(kind))}, oldest});
        }
        return values;
      });
  // One series per TeamCity server (as sync_backfill_remaining_builds): bounded by the servers
  // configured, and what lets an alert name the one server whose sync stopped.
  metrics.AddCallbackGaugeFamily(
      "sync_server_lag_seconds",
      "Seconds since each syncing server's last successful poll (since it was added, when it has none).", {"server"},
      [shared = shared_] {
        core::MetricsRegistry::LabeledValues values;
        std::lock_guard lock(shared->mutex);
        if (!shared->snapshot) return values;
        for (const auto& s : shared->snapshot->servers) {
          values.push_back({{s.server.str()}, static_cast<double>(s.seconds)});
        }
        return values;
      });
}

SyncSnapshotMetrics::~SyncSnapshotMetrics() {
  Stop();
}

bool SyncSnapshotMetrics::RefreshOnce() {
  std::optional<sync::MonitoringSnapshot> read;
  std::string error;
  try {
    read = read_();
  } catch (const std::exception& e) {  // DbError above all; anything else must not end serve
    error = e.what();
  }
  {
    std::lock_guard lock(shared_->mutex);
    shared_->snapshot = std::move(read);
  }
  const bool ok = error.empty();
  // Said once when reading starts failing and once when it works again, not every 15 seconds.
  if (!ok && !failing_) {
    log_.Warn("monitoring.snapshot_failed", {{"error", error}, {"note", "the queue and lag gauges are empty"}});
  } else if (ok && failing_) {
    log_.Info("monitoring.snapshot_recovered");
  }
  failing_ = !ok;
  return ok;
}

void SyncSnapshotMetrics::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SyncSnapshotMetrics::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncSnapshotMetrics::AlsoRefresh(std::function<void()> refresh) {
  also_.push_back(std::move(refresh));
}

void SyncSnapshotMetrics::Loop() {
  while (true) {
    RefreshOnce();
    for (const auto& refresh : also_) refresh();
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, every_, [this] { return stopping_; })) return;
  }
}

void RegisterTlsCertificateMetric(core::MetricsRegistry& metrics, std::shared_ptr<const http::TlsServerContext> tls) {
  metrics.AddCallbackGaugeFamily(
      "http_tls_certificate_not_after_seconds",
      "When the certificate a TLS listener serves expires, in Unix time (after a SIGHUP reload: the new one's).",
      {"listener"}, [tls = std::move(tls)] {
        core::MetricsRegistry::LabeledValues values;
        const auto expires = tls ? tls->certificate().expires_at : std::nullopt;
        if (expires) values.push_back({{"public"}, static_cast<double>(expires->time_since_epoch().count())});
        return values;
      });
}

std::function<void()> RegisterBackupDiskMetrics(core::MetricsRegistry& metrics, std::string backup_dir) {
  struct Reading {
    std::mutex mutex;
    std::optional<std::pair<double, double>> free_and_size;  // nullopt: no folder (yet)
  };
  auto reading = std::make_shared<Reading>();
  const auto gauge = [reading](bool free) {
    core::MetricsRegistry::LabeledValues values;
    std::lock_guard lock(reading->mutex);
    if (reading->free_and_size) {
      values.push_back({{}, free ? reading->free_and_size->first : reading->free_and_size->second});
    }
    return values;
  };
  metrics.AddCallbackGaugeFamily("backup_filesystem_free_bytes",
                                 "Bytes free for backups on the filesystem of retention.backup_dir.", {},
                                 [gauge] { return gauge(true); });
  metrics.AddCallbackGaugeFamily("backup_filesystem_size_bytes", "Size of the filesystem of retention.backup_dir.", {},
                                 [gauge] { return gauge(false); });
  return [reading, dir = std::move(backup_dir)] {
    std::optional<std::pair<double, double>> read;
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0) {
      const auto bytes = [&fs](fsblkcnt_t blocks) {
        return static_cast<double>(blocks) * static_cast<double>(fs.f_frsize);
      };
      read = {bytes(fs.f_bavail), bytes(fs.f_blocks)};
    }
    std::lock_guard lock(reading->mutex);
    reading->free_and_size = read;
  };
}

}  // namespace tcj::app
