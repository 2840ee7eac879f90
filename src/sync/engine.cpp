#include "sync/engine.hpp"

#include "core/url.hpp"
#include "db/error.hpp"
#include "jira/oauth_sites.hpp"
#include "jira/projects.hpp"
#include "sync/backfill.hpp"
#include "sync/link_change.hpp"
#include "sync/poller.hpp"
#include "sync/server_removal.hpp"
#include "tenants/retention.hpp"

namespace tcj::sync {

namespace {

// In-process waits (a short Retry-After) happen without a heartbeat, so they must end well within
// the job's lease: a longer wait goes back to the queue, where another worker taking the job over
// cannot send early.
jira::RetryOptions DeliveryRetries(std::chrono::seconds lease) {
  jira::RetryOptions retry;
  retry.max_wait = std::min<std::chrono::milliseconds>(retry.max_wait, lease / 3);
  return retry;
}

}  // namespace

Engine::Engine(db::Pool& pool, tenants::TenantStore& tenants, tenants::ServerStore& servers, jira::SiteAccess& sites,
               jira::DevInfoClient& devinfo, std::shared_ptr<http::HttpClient> jira_http,
               teamcity::TransportFactory transports, core::MetricsRegistry& metrics, const core::Logger& log,
               const core::Clock& clock, EngineOptions options)
    : tenants_(tenants),
      sites_(sites),
      http_(std::move(jira_http)),
      options_(std::move(options)),
      metrics_(metrics),
      worker_metrics_(metrics),
      queue_(pool, options_.worker_id),
      context_{.pool = pool,
               .servers = servers,
               .queue = queue_,
               .transports = std::move(transports),
               .site_facts = [this](const core::TenantId& tenant) { return FactsFor(tenant); },
               .wake_workers =
                   [this] {
                     if (workers_) workers_->Wake();
                   },
               .forge_can_send = [this](const core::TenantId& tenant) { return sites_.ForgeCanSend(tenant); },
               .options = options_.sync,
               .log = log.With({{"component", "sync"}}),
               .clock = clock,
               .metrics = metrics_,
               .poll_backoff = PollBackoff(options_.sync.poll_interval, options_.random)},
      delivery_{sites, devinfo, DeliveryRetries(options_.workers.lease)} {
  workers_ = std::make_unique<Workers>(queue_, options_.workers, context_.log, worker_metrics_);
  workers_->Register(JobKind::poll, [this](const Job& job, JobContext& c) { return RunPoll(context_, job, c); });
  workers_->Register(JobKind::send,
                     [this](const Job& job, JobContext& c) { return RunSend(context_, delivery_, job, c); });
  workers_->Register(JobKind::backfill,
                     [this](const Job& job, JobContext& c) { return RunBackfill(context_, job, c); });
  workers_->Register(JobKind::forget_link,
                     [this](const Job& job, JobContext& c) { return RunForgetLink(context_, delivery_, job, c); });
  workers_->Register(JobKind::delete_server,
                     [this](const Job& job, JobContext& c) { return RunServerRemoval(context_, delivery_, job, c); });
}

Engine::~Engine() {
  Stop(std::chrono::milliseconds(0));
}

void Engine::Start() {
  workers_->Start();
  // Every server keeps a poll job: recreated here if one was lost (a job killed by hand, a
  // restore from backup), at start and every minute. Uninstalled sites past retention go daily.
  maintenance_ = std::thread([this] {
    std::chrono::steady_clock::time_point last_purge{};
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      Maintain(last_purge);
      lock.lock();
      stop_cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stopping_ || maintain_now_; });
      maintain_now_ = false;
    }
  });
}

void Engine::Maintain(std::chrono::steady_clock::time_point& last_purge) {
  try {
    if (const int created = queue_.EnsurePollJobs(); created > 0) {
      context_.log.Info("sync.poll_jobs_created", {{"jobs", created}});
      workers_->Wake();
    }
    if (const int learnt = jira::LearnConnectCloudIds(tenants_, *http_, 20, context_.log); learnt > 0) {
      context_.log.Info("sync.cloud_ids_learnt", {{"sites", learnt}});
    }
    const auto now = context_.clock.Monotonic();
    if (last_purge == std::chrono::steady_clock::time_point{} || now - last_purge >= std::chrono::hours(24)) {
      last_purge = now;
      tenants::PurgeUninstalled(context_.pool, context_.clock.Now(), options_.uninstalled_days, context_.log);
    }
  } catch (const db::DbError& e) {
    context_.log.Warn("sync.maintenance_failed", {{"error", e.what()}});
  }
}

void Engine::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  workers_->Stop(grace);
}

void Engine::ServerAdded(const core::TenantId& tenant, const core::ServerId& server) {
  queue_.Enqueue(tenant, JobKind::poll, PollKey(server), ServerPayload(server));
  if (auto requested = RequestBackfill(context_, tenant, server, options_.sync.backfill_days); !requested) {
    context_.log.Warn("sync.backfill_not_requested", {{"server", server.str()}, {"error", requested.error().message}});
  }
  workers_->Wake();
}

void Engine::RunServerJobsNow(const core::TenantId& tenant, const core::ServerId& server) {
  const bool poll = queue_.RunNow(tenant, PollKey(server));
  const bool backfill = queue_.RunNow(tenant, BackfillKey(server));
  if (poll || backfill) workers_->Wake();
}

void Engine::TenantUninstalled(const core::TenantId& tenant) {
  const int killed = queue_.KillTenantJobs(tenant, "the app was uninstalled from the Jira site");
  context_.log.Info("sync.tenant_stopped", {{"tenant", tenant.str()}, {"jobs", killed}});
}

void Engine::TenantInstalled(const core::TenantId& tenant) {
  {
    std::lock_guard lock(mutex_);
    facts_.erase(tenant.str());  // the link may have changed with it
  }
  queue_.EnsurePollJobs();
  TenantCanSend(tenant);
}

void Engine::ResendThroughForge(const core::TenantId& tenant, const std::string& old_link) {
  RequestForgetLink(context_, tenant, old_link);
}

void Engine::LearnCloudIdsSoon() {
  {
    std::lock_guard lock(mutex_);
    maintain_now_ = true;
  }
  stop_cv_.notify_all();
}

void Engine::TenantCanSend(const core::TenantId& tenant) {
  {
    std::lock_guard lock(mutex_);
    facts_.erase(tenant.str());  // a site that waited for Forge is polled again at once
  }
  queue_.Enqueue(tenant, JobKind::send, kSendKey);
  queue_.RunNow(tenant, kSendKey);
  workers_->Wake();
}

SiteFacts Engine::FactsFor(const core::TenantId& tenant) {
  const auto now = context_.clock.Monotonic();
  {
    std::lock_guard lock(mutex_);
    if (auto it = facts_.find(tenant.str()); it != facts_.end() && it->second.expires > now) return it->second.facts;
  }
  SiteFacts facts;
  auto ttl = std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.project_keys_ttl);
  if (auto site = sites_.For(tenant)) {
    if (auto url = core::ParseUrl(site->site.base_url)) facts.host = url->host;
    facts.forge = site->site.kind == jira::SiteKind::forge;
    if (site->site.kind != jira::SiteKind::oauth) {
      if (auto keys = jira::ListProjectKeys(*http_, site->site, *site->auth)) {
        facts.project_keys = std::move(*keys);
      } else {
        // Without the list, keys fall back to the allowlist or the upper-case rule; ask again soon.
        context_.log.Warn("sync.project_keys_unavailable", {{"tenant", tenant.str()}, {"error", keys.error().message}});
        ttl = std::chrono::minutes(1);
      }
    }
  } else {
    facts.forge = site.error().code == "forge.no_token";
    ttl = std::chrono::minutes(1);  // a Forge site waiting for a token, a database hiccup: not for long
  }
  std::lock_guard lock(mutex_);
  facts_[tenant.str()] = CachedFacts{facts, now + ttl};
  return facts;
}

}  // namespace tcj::sync
