// sync: what the issue panel shows of the builds and deployments that link one issue: a few plain
// columns per build (no report JSON to build and parse again), read through build_keys with the
// LIMIT inside the index scan, so a view costs the same whatever the site's history.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "db/pool.hpp"
#include "db/tenant_cache.hpp"

namespace tcj::sync {

struct IssueBuild {
  std::int64_t build_id = 0;
  std::string jira_state;  // pending, in_progress, successful, failed, cancelled, rolled_back, unknown
  std::string project_name;
  std::string build_type_name;
  std::string number;
  std::string branch;
  std::string web_url;                     // as TeamCity sent it: the caller checks the scheme
  std::optional<std::string> environment;  // deployments only
  std::int64_t tests_passed = 0;
  std::int64_t tests_failed = 0;
  std::int64_t tests_ignored = 0;
  std::optional<std::int64_t> duration_seconds;
  std::string finished_at;  // RFC 3339 UTC; "" while running
};

// The newest `limit` builds that link the key (not those where it was only dropped, and no
// personal builds), newest first.
std::vector<IssueBuild> IssueBuilds(db::Pool& pool, const core::TenantId& tenant, const core::IssueKey& key, int limit);
// Its statement ($1 tenant, $2 key, $3 limit), for the test that EXPLAINs it.
const std::string& IssueBuildsSql();

// IssueBuilds for the issue panel, whose views repeat (every user who opens the issue, every
// reload): once following the change feed, the builds of a (site, issue) are kept in memory until
// a change to what the panel shows of that site's builds (migration 0018) drops them, in every
// process at once. Bounded: at most kMaxIssues issues, each at most `limit` builds.
class IssueBuildsReader {
 public:
  static constexpr std::size_t kMaxIssues = 2000;
  using Builds = std::shared_ptr<const std::vector<IssueBuild>>;

  explicit IssueBuildsReader(db::Pool& pool) : pool_(pool) {}
  void FollowChanges(db::ChangeFeed& feed) { cache_.Follow(feed, {"builds", "tenants"}); }

  Builds Read(const core::TenantId& tenant, const core::IssueKey& key, int limit);

 private:
  db::Pool& pool_;
  db::TenantCache<Builds> cache_{kMaxIssues, std::chrono::seconds(0)};  // by tenant, key and limit
};

}  // namespace tcj::sync
