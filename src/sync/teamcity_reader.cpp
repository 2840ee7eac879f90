#include "sync/teamcity_reader.hpp"

#include <algorithm>

#include "db/transaction.hpp"
#include "sync/build_store.hpp"
#include "teamcity/parse.hpp"

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

core::Status TeamCityReader::ReadAll(const std::string& locator, BuildsById& into, UnreadableBuilds& unreadable,
                                     JobContext& job) {
  auto page = client_->Builds(locator);
  for (int pages = 1;; ++pages) {
    if (!page) return std::move(page).take_error();
    context_.metrics.builds_read.Inc(page->builds.size());
    for (auto& build : page->builds) {
      const std::int64_t id = build.id;
      into.insert_or_assign(id, std::move(build));
    }
    for (auto& build : page->unreadable) unreadable.push_back(std::move(build));
    // A page shorter than asked means TeamCity's lookupLimit ended the scan (its nextHref would scan
    // deeper into history, which a poll never needs: builds it has not seen finish are tracked). An
    // unreadable build still fills its place on the page.
    if (!page->next_href || page->SentCount() < kPageSize || pages >= context_.options.max_pages_per_query) break;
    if (!job.KeepAlive()) return LeaseLost();
    page = client_->NextPage(*page->next_href);
  }
  return core::Ok();
}

core::Status TeamCityReader::DescribeBuildTypes(BuildsById& builds) {
  const bool needed = std::any_of(builds.begin(), builds.end(), [](const auto& entry) {
    return !entry.second.build_type && !entry.second.build_type_id.empty();
  });
  if (!needed) return core::Ok();
  if (!build_types_) {
    auto listed = client_->BuildTypes();
    // A list that cannot be read leaves these builds with their id alone (MapBuild), like a
    // configuration the list does not hold; only a TeamCity that does not answer fails the read.
    if (!listed && listed.error().kind != core::ErrorKind::bad_payload) return std::move(listed).take_error();
    build_types_.emplace();
    if (listed) {
      for (auto& type : *listed) {
        std::string id = type.id;
        build_types_->emplace(std::move(id), std::move(type));
      }
    }
  }
  for (auto& [id, build] : builds) {
    if (build.build_type || build.build_type_id.empty()) continue;
    if (const auto found = build_types_->find(build.build_type_id); found != build_types_->end()) {
      build.build_type = found->second;
    }
  }
  return core::Ok();
}

core::Status TeamCityReader::Complete(BuildsById& builds, UnreadableBuilds& unreadable, JobContext& job,
                                      Upstreams upstreams) {
  // A build that names its configuration without describing it maps as the configuration's other
  // builds do (the same pipeline in Jira: its internal id; the same environment rules).
  if (auto described = DescribeBuildTypes(builds); !described) return described;

  // A build whose changes or parameters TeamCity answers with a field that cannot be read is left
  // out, as one whose page entry cannot be read: TeamCity's other answers about other builds still
  // count. An answer that is not JSON at all (a proxy's login page) or an error fails the poll, as
  // any page would: it says nothing about this build.
  auto one_field_wrong = [](const core::Error& error) {
    return error.kind == core::ErrorKind::bad_payload && !error.field.empty();
  };
  auto leave_out = [&](std::int64_t id, const char* field, const core::Error& error) {
    unreadable.push_back({id, field, error.message});
  };
  std::vector<std::int64_t> left_out;

  // Changes beyond the nested first page.
  for (auto& [id, build] : builds) {
    if (build.changes_count > static_cast<std::int64_t>(build.changes.size()) &&
        build.changes.size() < context_.options.max_changes_per_build) {
      if (!job.KeepAlive()) return LeaseLost();
      auto changes = client_->Changes(core::BuildId(id), context_.options.max_changes_per_build);
      if (changes) {
        build.changes = std::move(*changes);
      } else if (one_field_wrong(changes.error())) {
        leave_out(id, "changes", changes.error());
        left_out.push_back(id);
      } else if (changes.error().kind != core::ErrorKind::not_found) {
        return std::move(changes).take_error();
      }  // deleted since the page was read: the nested changes are all there is
    }
  }
  for (std::int64_t id : left_out) builds.erase(id);
  left_out.clear();

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
      if (!build && build.error().code == teamcity::kUnreadableBuildCode) {
        // The deployment maps without it meanwhile, as with an upstream TeamCity no longer has.
        unreadable.push_back(teamcity::UnreadableBuildOf(id, build.error()));
        continue;
      }
      if (!build) return std::move(build).take_error();
      if (*build) builds.emplace(id, std::move(**build));
    }
    if (auto described = DescribeBuildTypes(builds); !described) return described;
  }

  // Environments named by a parameter the page did not carry.
  for (auto& [id, build] : builds) {
    if (!build.build_type) continue;
    const EnvironmentRule* rule = RuleFor(*build.build_type, mapping_.environment_rules);
    if (rule == nullptr || rule->parameter.empty() || build.Property(rule->parameter)) continue;
    auto value = client_->BuildParameter(core::BuildId(id), rule->parameter);
    if (!value && one_field_wrong(value.error())) {
      leave_out(id, "resultingProperties", value.error());
      left_out.push_back(id);
      continue;
    }
    if (!value) return std::move(value).take_error();
    if (*value) build.properties.emplace_back(rule->parameter, **value);
  }
  for (std::int64_t id : left_out) builds.erase(id);
  return core::Ok();
}

std::vector<MappedBuild> TeamCityReader::Map(const BuildsById& builds) const {
  std::vector<MappedBuild> mapped;
  mapped.reserve(builds.size());
  for (const auto& [id, build] : builds) mapped.push_back(MapBuild(build, mapping_));
  return mapped;
}

}  // namespace tcj::sync
