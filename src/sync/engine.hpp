// sync: the sync engine as `serve` runs it: the job queue, its workers and the four kinds of job.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "db/pool.hpp"
#include "http/client.hpp"
#include "jira/devinfo_client.hpp"
#include "jira/site_access.hpp"
#include "sync/context.hpp"
#include "sync/queue.hpp"
#include "sync/sender.hpp"
#include "sync/workers.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::sync {

struct EngineOptions {
  SyncOptions sync;
  WorkerOptions workers;
  std::string worker_id;  // unique per process: host and pid
  std::chrono::minutes project_keys_ttl{10};
  // Sites uninstalled longer ago than this are purged, once a day by every process (safe at once).
  int uninstalled_days = 60;
  core::UniformRandom random{};  // the jitter of poll delays; unset: core::UniformInt
};

// Thread-safe. Start() begins claiming jobs; Stop() hands unfinished ones back.
class Engine {
 public:
  // jira_http reaches Atlassian (site facts), transports the TeamCity servers.
  Engine(db::Pool& pool, tenants::TenantStore& tenants, tenants::ServerStore& servers, jira::SiteAccess& sites,
         jira::DevInfoClient& devinfo, std::shared_ptr<http::HttpClient> jira_http,
         teamcity::TransportFactory transports, core::MetricsRegistry& metrics, const core::Logger& log,
         const core::Clock& clock, EngineOptions options);
  ~Engine();

  void Start();
  void Stop(std::chrono::milliseconds grace);

  SyncContext& context() { return context_; }
  JobQueue& queue() { return queue_; }

  // A server was added: poll it now and backfill its history.
  void ServerAdded(const core::TenantId& tenant, const core::ServerId& server);
  // The server's poll and backfill, if waiting (a retry, the next poll), run now: what they waited
  // for is back (its relay connected).
  void RunServerJobsNow(const core::TenantId& tenant, const core::ServerId& server);
  // The tenant uninstalled the app: nothing runs for it any more.
  void TenantUninstalled(const core::TenantId& tenant);
  // The tenant installed the app again (its servers are polled again) or its link changed.
  void TenantInstalled(const core::TenantId& tenant);
  // Jira holds none of the tenant's records under its new Forge installation: what old_link
  // ("connect", "oauth"; "none" for a reinstall) sent leaves Jira, then everything goes out
  // again through Forge (sync/link_change.hpp). Queued, never done inline.
  void ResendThroughForge(const core::TenantId& tenant, const std::string& old_link);
  // A Connect site was installed: learn its cloud id now rather than within the minute.
  void LearnCloudIdsSoon();
  // The tenant's way to Jira works again (a fresh Forge token): what waited is sent now.
  void TenantCanSend(const core::TenantId& tenant);

 private:
  SiteFacts FactsFor(const core::TenantId& tenant);

  tenants::TenantStore& tenants_;
  jira::SiteAccess& sites_;
  std::shared_ptr<http::HttpClient> http_;  // to Atlassian
  EngineOptions options_;
  SyncMetrics metrics_;
  WorkerMetrics worker_metrics_;
  JobQueue queue_;
  SyncContext context_;
  Delivery delivery_;
  std::unique_ptr<Workers> workers_;
  void Maintain(std::chrono::steady_clock::time_point& last_purge);

  std::thread maintenance_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool maintain_now_ = false;
  struct CachedFacts {
    SiteFacts facts;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, CachedFacts> facts_;
};

}  // namespace tcj::sync
