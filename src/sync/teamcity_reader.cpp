#include "sync/teamcity_reader.hpp"

#include "db/transaction.hpp"
#include "sync/build_store.hpp"

namespace tcj::sync {

core::Error LeaseLost() {
  return core::Error::Make(core::ErrorKind::conflict, "sync.lease_lost", "the job was taken over by another worker");
}

core::Error ServerGone() {
  return core::Error::Make(core::ErrorKind::not_found, "servers.not_found", "No such TeamCity server.");
}

core::Result<std::unique_ptr<TeamCityReader>> TeamCityReader::Open(SyncContext& context, const core::TenantId& tenant,
                                                                   const core::ServerId& server) {
  std::optional<PollTarget> target;
  {
    db::TenantTransaction tx(context.pool, tenant, db::Durability::relaxed);
    target = LoadPollTarget(tx, server);
    tx.Commit();
  }
  if (!target) return std::unique_ptr<TeamCityReader>();
  auto credentials = context.servers.Credentials(tenant, server);
  if (!credentials) return std::move(credentials).take_error();

  std::string base = target->url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto client = teamcity::MakeRestClient(
      context.transports(tenant, server, teamcity::ServerConnection{base, std::move(*credentials)}));

  const SiteFacts facts = context.site_facts(tenant);
  ServerContext mapping;
  mapping.server_id = server.str();
  mapping.server_url = base;
  mapping.key_policy.jira_projects = facts.project_keys;
  mapping.key_policy.allowlist = {target->settings.project_keys.begin(), target->settings.project_keys.end()};
  mapping.key_policy.jira_host = facts.host;
  mapping.environment_rules = target->settings.deployment_rules;
  return std::unique_ptr<TeamCityReader>(
      new TeamCityReader(context, tenant, server, std::move(*target), std::move(client), std::move(mapping)));
}

std::vector<std::string> TeamCityReader::Scopes() const {
  if (!target_.settings.projects) return {""};
  std::vector<std::string> scopes;
  for (const auto& project : *target_.settings.projects) {
    scopes.push_back("affectedProject:(id:" + teamcity::LocatorValue(project) + "),");
  }
  return scopes;
}

core::Status TeamCityReader::ReadAll(const std::string& locator, BuildsById& into, JobContext& job) {
  auto page = client_->Builds(locator);
  for (int pages = 1;; ++pages) {
    if (!page) return std::move(page).take_error();
    context_.metrics.builds_read.Inc(page->builds.size());
    for (auto& build : page->builds) {
      const std::int64_t id = build.id;
      into.insert_or_assign(id, std::move(build));
    }
    // A page shorter than asked means TeamCity's lookupLimit ended the scan (its nextHref would scan
    // deeper into history, which a poll never needs: builds it has not seen finish are tracked).
    if (!page->next_href || page->builds.size() < kPageSize || pages >= context_.options.max_pages_per_query) break;
    if (!job.KeepAlive()) return LeaseLost();
    page = client_->NextPage(*page->next_href);
  }
  return core::Ok();
}

core::Status TeamCityReader::Complete(BuildsById& builds, JobContext& job, Upstreams upstreams) {
  // Changes beyond the nested first page.
  for (auto& [id, build] : builds) {
    if (build.changes_count > static_cast<std::int64_t>(build.changes.size()) &&
        build.changes.size() < context_.options.max_changes_per_build) {
      if (!job.KeepAlive()) return LeaseLost();
      auto changes = client_->Changes(core::BuildId(id), context_.options.max_changes_per_build);
      if (changes) {
        build.changes = std::move(*changes);
      } else if (changes.error().kind != core::ErrorKind::not_found) {
        return std::move(changes).take_error();
      }  // deleted since the page was read: the nested changes are all there is
    }
  }

  // The builds deployments deploy, when neither this batch nor the table has them.
  std::vector<std::int64_t> upstream;
  for (const auto& [id, build] : builds) {
    if (build.snapshot_dependencies.empty() || !build.build_type) continue;
    if (!EnvironmentOf(*build.build_type, mapping_.environment_rules)) continue;
    const std::int64_t up = build.snapshot_dependencies.front();
    if (!builds.contains(up)) upstream.push_back(up);
  }
  if (!upstream.empty() && upstreams == Upstreams::fetch) {
    std::set<std::int64_t> known;
    {
      db::TenantTransaction tx(context_.pool, tenant_, db::Durability::relaxed);
      known = KnownBuildIds(tx, server_, upstream);
      tx.Commit();
    }
    for (std::int64_t id : upstream) {
      if (known.contains(id) || builds.contains(id)) continue;
      auto build = client_->BuildById(core::BuildId(id));
      if (!build) return std::move(build).take_error();
      if (*build) builds.emplace(id, std::move(**build));
    }
  }

  // Environments named by a parameter the page did not carry.
  for (auto& [id, build] : builds) {
    if (!build.build_type) continue;
    const EnvironmentRule* rule = RuleFor(*build.build_type, mapping_.environment_rules);
    if (rule == nullptr || rule->parameter.empty() || build.Property(rule->parameter)) continue;
    auto value = client_->BuildParameter(core::BuildId(id), rule->parameter);
    if (!value) return std::move(value).take_error();
    if (*value) build.properties.emplace_back(rule->parameter, **value);
  }
  return core::Ok();
}

std::vector<MappedBuild> TeamCityReader::Map(const BuildsById& builds) const {
  std::vector<MappedBuild> mapped;
  mapped.reserve(builds.size());
  for (const auto& [id, build] : builds) mapped.push_back(MapBuild(build, mapping_));
  return mapped;
}

}  // namespace tcj::sync
