#include "sync/server_removal.hpp"

#include "db/transaction.hpp"
#include "sync/mapping.hpp"
#include "sync/server_state.hpp"

namespace tcj::sync {

bool RequestServerRemoval(SyncContext& context, const core::TenantId& tenant, const core::ServerId& server) {
  if (!MarkDeleting(context.pool, tenant, server)) return false;
  context.queue.Enqueue(tenant, JobKind::delete_server, RemovalKey(server), ServerPayload(server));
  if (context.wake_workers) context.wake_workers();
  return true;
}

JobOutcome RunServerRemoval(SyncContext& context, Delivery& delivery, const Job& job, JobContext& /*job_context*/) {
  const auto server = ServerOfPayload(job.payload);
  if (!server) return JobOutcome::Dead("the removal job does not name a server");
  auto site = delivery.sites.For(job.tenant);
  if (site) {
    const jira::Properties properties{{std::string(kServerProperty), server->str()}};
    if (auto deleted = delivery.client.DeleteBuildsByProperties(site->site, *site->auth, properties); !deleted) {
      return JobOutcome::Retry("Jira did not delete the server's builds: " + deleted.error().message,
                               deleted.error().retry_after);
    }
    if (auto deleted = delivery.client.DeleteDeploymentsByProperties(site->site, *site->auth, properties); !deleted) {
      return JobOutcome::Retry("Jira did not delete the server's deployments: " + deleted.error().message,
                               deleted.error().retry_after);
    }
  } else if (site.error().kind != core::ErrorKind::not_found && site.error().kind != core::ErrorKind::forbidden) {
    return JobOutcome::Retry(site.error().message);
  }
  context.servers.Delete(job.tenant, *server);
  context.log.Info("sync.server_removed", {{"tenant", job.tenant.str()}, {"server", server->str()}});
  return JobOutcome::Done();
}

}  // namespace tcj::sync
