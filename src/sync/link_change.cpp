#include "sync/link_change.hpp"

#include <nlohmann/json.hpp>

#include "db/transaction.hpp"
#include "sync/build_store.hpp"
#include "sync/mapping.hpp"

namespace tcj::sync {
namespace {

constexpr const char* kForgetLinkKey = "forget_link";

// A refusal of the old link's credentials: its app is gone, and with it what it sent.
bool LinkGone(const core::Error& error) {
  return error.kind == core::ErrorKind::not_found || error.kind == core::ErrorKind::forbidden ||
         error.kind == core::ErrorKind::unauthenticated;
}

}  // namespace

void RequestForgetLink(SyncContext& context, const core::TenantId& tenant, const std::string& old_link) {
  context.queue.Enqueue(tenant, JobKind::forget_link, kForgetLinkKey, nlohmann::json{{"link", old_link}}.dump());
  if (context.wake_workers) context.wake_workers();
}

JobOutcome RunForgetLink(SyncContext& context, Delivery& delivery, const Job& job, JobContext& /*job_context*/) {
  const auto payload = nlohmann::json::parse(job.payload, nullptr, false);
  const std::string link =
      payload.is_object() && payload.contains("link") && payload["link"].is_string() ? payload["link"].get<std::string>() : "";
  if (link != "connect" && link != "oauth" && link != "none") return JobOutcome::Dead("the job names no old link");
  if (link != "none") {
    auto site = delivery.sites.ForLink(job.tenant, tenants::ParseTenantKind(link));
    if (site) {
      for (const auto& server : context.servers.List(job.tenant)) {
        const jira::Properties properties{{std::string(kServerProperty), server.id.str()}};
        for (const bool deployments : {false, true}) {
          const auto deleted = deployments
                                   ? delivery.client.DeleteDeploymentsByProperties(site->site, *site->auth, properties)
                                   : delivery.client.DeleteBuildsByProperties(site->site, *site->auth, properties);
          if (deleted || LinkGone(deleted.error())) continue;
          return JobOutcome::Retry("Jira did not delete what the " + link + " link sent: " + deleted.error().message,
                                   deleted.error().retry_after);
        }
      }
    } else if (!LinkGone(site.error())) {
      return JobOutcome::Retry(site.error().message);
    }
  }
  db::TenantTransaction tx(context.pool, job.tenant);
  const std::size_t records = MarkAllUnsent(tx);
  tx.Commit();
  context.queue.Enqueue(job.tenant, JobKind::send, kSendKey);
  if (context.wake_workers) context.wake_workers();
  context.log.Info("sync.link_forgotten", {{"tenant", job.tenant.str()}, {"link", link}, {"records", records}});
  return JobOutcome::Done();
}

}  // namespace tcj::sync
