// sync: TeamCityReader, one job's reader of one TeamCity server: it reads builds completely
// (pages, changes, parameters, upstream builds) and maps them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "sync/context.hpp"
#include "sync/mapping.hpp"
#include "sync/server_state.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

using BuildsById = std::map<std::int64_t, teamcity::Build>;
// Builds TeamCity sent that could not be read: left out of what is mapped (unreadable_builds.hpp).
using UnreadableBuilds = std::vector<teamcity::UnreadableBuild>;

// TeamCity's default page size, which our locators keep.
inline constexpr std::size_t kPageSize = 100;

class TeamCityReader {
 public:
  // A null reader when the server is gone or being removed (the job that reads it ends); an error
  // (unavailable) when its credentials cannot be opened.
  static core::Result<std::unique_ptr<TeamCityReader>> Open(SyncContext& context, const core::TenantId& tenant,
                                                            const core::ServerId& server);

  teamcity::Client& client() { return *client_; }
  const PollTarget& target() const { return target_; }
  const core::TenantId& tenant() const { return tenant_; }
  const core::ServerId& server() const { return server_; }
  // How this server's builds are mapped: its key policy and environment rules.
  const ServerContext& mapping() const { return mapping_; }

  // The locator prefixes of what is synced: one per configured project ("affectedProject:(id:P),"),
  // or one empty prefix for the whole server.
  std::vector<std::string> Scopes() const;

  // The pages of the locator while they come full, added to `into` (the same build twice is kept
  // once: pages shift while TeamCity adds builds), the builds that cannot be read to `unreadable`.
  // Stops with an error when the job lost its lease.
  core::Status ReadAll(const std::string& locator, BuildsById& into, UnreadableBuilds& unreadable, JobContext& job);

  // What mapping needs beyond a page: the configuration of builds that name it without describing it
  // (buildTypeId without a nested buildType), changes past the nested first 100, environment
  // parameters of rules, and (Upstreams::fetch) the builds deployments deploy when they are not
  // stored yet (added to `builds`). A backfill leaves those for later: its walk reaches them, and it
  // completes the deployments' keys at its end. A build whose changes or parameters TeamCity answers
  // unreadably moves from `builds` to `unreadable`, and so does an upstream build.
  enum class Upstreams { fetch, later };
  core::Status Complete(BuildsById& builds, UnreadableBuilds& unreadable, JobContext& job,
                        Upstreams upstreams = Upstreams::fetch);

  std::vector<MappedBuild> Map(const BuildsById& builds) const;

 private:
  core::Status DescribeBuildTypes(BuildsById& builds);

  TeamCityReader(SyncContext& context, core::TenantId tenant, core::ServerId server, PollTarget target,
                 std::unique_ptr<teamcity::Client> client, ServerContext mapping)
      : context_(context),
        tenant_(std::move(tenant)),
        server_(std::move(server)),
        target_(std::move(target)),
        client_(std::move(client)),
        mapping_(std::move(mapping)) {}

  SyncContext& context_;
  core::TenantId tenant_;
  core::ServerId server_;
  PollTarget target_;
  std::unique_ptr<teamcity::Client> client_;
  ServerContext mapping_;
  // The server's build configurations by external id, listed once per reader when a build needs
  // them (DescribeBuildTypes). Complete runs on one thread at a time (the job's, or its read-ahead).
  std::optional<std::map<std::string, teamcity::BuildTypeRef>> build_types_;
};

// The job's lease was lost: another worker owns it now. Callers tell it from other failures by
// JobContext::lease_lost(), never by this error's code.
core::Error LeaseLost();

// What an admin is told about a server that Open found gone: not_found.
core::Error ServerGone();

}  // namespace tcj::sync
