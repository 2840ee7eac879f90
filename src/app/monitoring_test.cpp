#include "app/monitoring.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "db/error.hpp"
#include "support/capture_sink.hpp"
#include "support/child_process.hpp"
#include "support/tls.hpp"

namespace tcj::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The value of one sample in a rendering ("name{labels} value"), or -1 when it is not there.
double Sample(const std::string& rendered, const std::string& series) {
  const auto at = rendered.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(rendered.substr(at + series.size() + 2));
}

class SyncSnapshotMetricsTest : public ::testing::Test {
 protected:
  std::size_t Logged(const std::string& event) const {
    std::size_t n = 0;
    for (const auto& line : sink_->lines()) {
      if (line.find("\"" + event + "\"") != std::string::npos) ++n;
    }
    return n;
  }

  std::shared_ptr<testing::CaptureSink> sink_ = std::make_shared<testing::CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
  core::MetricsRegistry metrics_;
  sync::MonitoringSnapshot next_;
  bool fail_ = false;
  int reads_ = 0;
  SyncSnapshotMetrics gauges_{metrics_,
                              [this] {
                                ++reads_;
                                if (fail_) throw db::DbError(db::DbErrorKind::connection, "08006", "no database");
                                return next_;
                              },
                              log_, 20ms};
};

TEST_F(SyncSnapshotMetricsTest, TheFamiliesAreListedBeforeAnyReadButCarryNoGuess) {
  const std::string out = metrics_.RenderPrometheus();
  for (const char* name : {"sync_queue_jobs", "sync_queue_oldest_due_seconds", "sync_server_lag_seconds"}) {
    EXPECT_NE(out.find(std::string("# TYPE ") + name + " gauge"), std::string::npos) << name;
    EXPECT_EQ(out.find(std::string("\n") + name + "{"), std::string::npos) << name << " has a sample before a read";
  }
}

TEST_F(SyncSnapshotMetricsTest, AReadIsServedFromMemoryWithEveryKindAndLiveStateFilled) {
  next_.queue = {{sync::JobKind::poll, "queued", 7, 42}, {sync::JobKind::send, "running", 2, 0}};
  next_.servers = {{core::ServerId("0b6f5a0e-6d1c-4d1e-9a3c-1f2e3d4c5b6a"), 95}};
  ASSERT_TRUE(gauges_.RefreshOnce());
  const int reads = reads_;
  const std::string out = metrics_.RenderPrometheus();
  EXPECT_EQ(reads_, reads) << "a scrape must not read the database";
  EXPECT_EQ(Sample(out, R"(sync_queue_jobs{kind="poll",state="queued"})"), 7);
  EXPECT_EQ(Sample(out, R"(sync_queue_jobs{kind="send",state="running"})"), 2);
  EXPECT_EQ(Sample(out, R"(sync_queue_jobs{kind="backfill",state="queued"})"), 0) << "an empty queue is 0";
  EXPECT_EQ(Sample(out, R"(sync_queue_oldest_due_seconds{kind="poll"})"), 42);
  EXPECT_EQ(Sample(out, R"(sync_queue_oldest_due_seconds{kind="send"})"), 0);
  EXPECT_EQ(Sample(out, R"(sync_server_lag_seconds{server="0b6f5a0e-6d1c-4d1e-9a3c-1f2e3d4c5b6a"})"), 95);
}

TEST_F(SyncSnapshotMetricsTest, AFailedReadDropsTheFiguresAndIsLoggedOnceUntilItRecovers) {
  next_.servers = {{core::ServerId("0b6f5a0e-6d1c-4d1e-9a3c-1f2e3d4c5b6a"), 95}};
  ASSERT_TRUE(gauges_.RefreshOnce());
  fail_ = true;
  EXPECT_FALSE(gauges_.RefreshOnce());
  EXPECT_FALSE(gauges_.RefreshOnce());
  const std::string out = metrics_.RenderPrometheus();
  EXPECT_EQ(out.find("\nsync_server_lag_seconds{"), std::string::npos) << "a stale lag would hide a stopped sync";
  EXPECT_EQ(out.find("\nsync_queue_jobs{"), std::string::npos);
  EXPECT_EQ(Logged("monitoring.snapshot_failed"), 1u);
  fail_ = false;
  EXPECT_TRUE(gauges_.RefreshOnce());
  EXPECT_EQ(Logged("monitoring.snapshot_recovered"), 1u);
}

TEST_F(SyncSnapshotMetricsTest, TheBackgroundThreadRefreshesUntilStopped) {
  next_.queue = {{sync::JobKind::poll, "queued", 1, 0}};
  gauges_.Start();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (reads_ < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  gauges_.Stop();
  EXPECT_GE(reads_, 3);
  EXPECT_EQ(Sample(metrics_.RenderPrometheus(), R"(sync_queue_jobs{kind="poll",state="queued"})"), 1);
}

TEST(TlsCertificateMetric, ExportsTheServedCertificatesExpiryAndNothingWithoutTls) {
  const fs::path dir = testing::MakeTempDir("tcj-monitoring");
  const auto cert = testing::MakeTestCertificate(dir, "served", "ec");
  auto tls = http::TlsServerContext::Load({cert.cert.string(), cert.key.string()});
  ASSERT_TRUE(tls) << tls.error().message;

  core::MetricsRegistry with_tls;
  RegisterTlsCertificateMetric(with_tls, *tls);
  const double not_after =
      Sample(with_tls.RenderPrometheus(), R"(http_tls_certificate_not_after_seconds{listener="public"})");
  EXPECT_EQ(not_after, static_cast<double>((*tls)->certificate().expires_at->time_since_epoch().count()));
  EXPECT_GT(not_after, 1.7e9);

  core::MetricsRegistry without_tls;
  RegisterTlsCertificateMetric(without_tls, nullptr);
  const std::string out = without_tls.RenderPrometheus();
  EXPECT_NE(out.find("# TYPE http_tls_certificate_not_after_seconds gauge"), std::string::npos);
  EXPECT_EQ(out.find("\nhttp_tls_certificate_not_after_seconds{"), std::string::npos);
  fs::remove_all(dir);
}

TEST(BackupDiskMetrics, ExportTheBackupFoldersFilesystemAndNothingWhileItIsMissing) {
  const fs::path dir = testing::MakeTempDir("tcj-monitoring");
  core::MetricsRegistry metrics;
  const auto refresh = RegisterBackupDiskMetrics(metrics, (dir / "backups").string());
  refresh();
  std::string out = metrics.RenderPrometheus();
  EXPECT_NE(out.find("# TYPE backup_filesystem_free_bytes gauge"), std::string::npos);
  EXPECT_EQ(Sample(out, "backup_filesystem_free_bytes"), -1) << "no folder, no figure";

  fs::create_directories(dir / "backups");
  EXPECT_EQ(Sample(metrics.RenderPrometheus(), "backup_filesystem_free_bytes"), -1) << "a scrape reads no disk";
  refresh();
  out = metrics.RenderPrometheus();
  const fs::space_info space = fs::space(dir / "backups");
  EXPECT_EQ(Sample(out, "backup_filesystem_size_bytes"), static_cast<double>(space.capacity));
  const double free = Sample(out, "backup_filesystem_free_bytes");
  EXPECT_GT(free, 0);
  // Other writers may change the free space between the two reads: close, not equal.
  EXPECT_NEAR(free, static_cast<double>(space.available), 64.0 * 1024 * 1024);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tcj::app
