// The in-process sync pipeline on one page of 100 builds from the project's fake TeamCity
// (tests/fixtures/teamcity/generated_page_100.json): TeamCity's JSON to the bodies of Jira's Builds
// and Deployments requests, issue keys included, and its stages alone, so that a slow run shows
// where the time goes. Items are builds. Run from the release preset:
//   build/release/sync_benchmark --benchmark_filter=Page
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "jira/devinfo_json.hpp"
#include "jira/devinfo_prepare.hpp"
#include "sync/mapping.hpp"
#include "sync/outbox.hpp"
#include "teamcity/parse.hpp"

namespace tcj::sync {
namespace {

// The repository. Benchmarks are not given TCJ_SOURCE_DIR (cmake/TcjTargets.cmake defines it for
// test binaries only), so it is found from this file's path, which CMake passes absolute.
std::string SourceDir() {
#ifdef TCJ_SOURCE_DIR
  return TCJ_SOURCE_DIR;
#else
  const std::string file = __FILE__;
  return file.substr(0, file.rfind("/src/sync/"));
#endif
}

const std::string& PageText() {
  static const std::string text = [] {
    const std::string path = SourceDir() + "/tests/fixtures/teamcity/generated_page_100.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << path << "\n";
      std::exit(1);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }();
  return text;
}

const ServerContext& Context() {
  static const ServerContext context = [] {
    ServerContext c;
    c.server_id = "5f0c2a9e-7d41-4c3b-9a55-0e6f1b2c3d4e";
    c.server_url = "https://teamcity.example.com";
    c.key_policy.jira_projects = std::set<std::string>{"ABC", "DEMO"};
    c.key_policy.jira_host = "example.atlassian.net";
    return c;
  }();
  return context;
}

const jira::Properties& RequestProperties() {
  static const jira::Properties properties = {{std::string(kServerProperty), Context().server_id}};
  return properties;
}

std::vector<teamcity::Build> ParsedPage() {
  auto page = teamcity::ParseBuildsPage(PageText());
  if (!page) {
    std::cerr << page.error().message << "\n";
    std::exit(1);
  }
  return std::move(page->builds);
}

std::vector<MappedBuild> MappedPage() {
  std::vector<MappedBuild> mapped;
  for (const auto& build : ParsedPage()) mapped.push_back(MapBuild(build, Context()));
  return mapped;
}

// The whole way: parse, map (keys included), the outbox entry of every build (the sendable record's
// JSON and its fingerprint), and the two request bodies of the page's records.
void BM_PageToJiraRequests(benchmark::State& state) {
  const std::string& text = PageText();
  std::int64_t builds = 0;
  std::size_t request_bytes = 0;
  for (auto _ : state) {
    auto page = teamcity::ParseBuildsPage(text);
    if (!page) state.SkipWithError("the page does not parse");
    std::vector<jira::Build> build_records;
    std::vector<jira::Deployment> deployment_records;
    for (const teamcity::Build& build : page->builds) {
      MappedBuild mapped = MapBuild(build, Context());
      OutboxEntry entry = PrepareForOutbox(mapped);
      benchmark::DoNotOptimize(entry);
      if (auto* record = std::get_if<jira::Build>(&mapped.record)) {
        build_records.push_back(std::move(*record));
      } else if (auto* deployment = std::get_if<jira::Deployment>(&mapped.record)) {
        deployment_records.push_back(std::move(*deployment));
      }
    }
    const jira::PreparedBuilds prepared_builds = jira::PrepareBuilds(std::move(build_records));
    const jira::PreparedDeployments prepared_deployments = jira::PrepareDeployments(std::move(deployment_records));
    if (!prepared_builds.builds.empty()) {
      auto body = jira::SerializeBuildsRequest(prepared_builds.builds, RequestProperties(), "TeamCity for Jira");
      if (!body) state.SkipWithError("the builds request does not serialise");
      request_bytes = body->size();
      benchmark::DoNotOptimize(body);
    }
    if (!prepared_deployments.deployments.empty()) {
      auto body =
          jira::SerializeDeploymentsRequest(prepared_deployments.deployments, RequestProperties(), "TeamCity for Jira");
      if (!body) state.SkipWithError("the deployments request does not serialise");
      request_bytes += body->size();
      benchmark::DoNotOptimize(body);
    }
    builds += static_cast<std::int64_t>(page->builds.size());
  }
  state.SetItemsProcessed(builds);
  state.counters["request_bytes"] = static_cast<double>(request_bytes);
}
BENCHMARK(BM_PageToJiraRequests);

// Without the requests: what a poll does before it writes to the database.
void BM_PageToOutbox(benchmark::State& state) {
  const std::string& text = PageText();
  std::int64_t builds = 0;
  for (auto _ : state) {
    auto page = teamcity::ParseBuildsPage(text);
    if (!page) state.SkipWithError("the page does not parse");
    for (const teamcity::Build& build : page->builds) {
      MappedBuild mapped = MapBuild(build, Context());
      OutboxEntry entry = PrepareForOutbox(mapped);
      benchmark::DoNotOptimize(entry);
    }
    builds += static_cast<std::int64_t>(page->builds.size());
  }
  state.SetItemsProcessed(builds);
}
BENCHMARK(BM_PageToOutbox);

// The stages alone.
void BM_PageParseOnly(benchmark::State& state) {
  const std::string& text = PageText();
  std::int64_t builds = 0;
  for (auto _ : state) {
    auto page = teamcity::ParseBuildsPage(text);
    if (!page) state.SkipWithError("the page does not parse");
    builds += static_cast<std::int64_t>(page->builds.size());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(builds);
}
BENCHMARK(BM_PageParseOnly);

void BM_PageMapBuildOnly(benchmark::State& state) {
  const std::vector<teamcity::Build> page = ParsedPage();
  for (auto _ : state) {
    for (const teamcity::Build& build : page) {
      MappedBuild mapped = MapBuild(build, Context());
      benchmark::DoNotOptimize(mapped);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK(BM_PageMapBuildOnly);

void BM_PagePrepareForOutboxOnly(benchmark::State& state) {
  const std::vector<MappedBuild> page = MappedPage();
  for (auto _ : state) {
    for (const MappedBuild& mapped : page) {
      OutboxEntry entry = PrepareForOutbox(mapped);
      benchmark::DoNotOptimize(entry);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK(BM_PagePrepareForOutboxOnly);

// Preparing and serialising the page's records as the sender does, from mapped records.
void BM_PageRequestsOnly(benchmark::State& state) {
  const std::vector<MappedBuild> page = MappedPage();
  std::vector<jira::Build> build_records;
  std::vector<jira::Deployment> deployment_records;
  for (const MappedBuild& mapped : page) {
    if (const auto* record = std::get_if<jira::Build>(&mapped.record)) build_records.push_back(*record);
    if (const auto* record = std::get_if<jira::Deployment>(&mapped.record)) deployment_records.push_back(*record);
  }
  for (auto _ : state) {
    const auto builds = jira::PrepareBuilds(build_records);
    const auto deployments = jira::PrepareDeployments(deployment_records);
    auto builds_body = jira::SerializeBuildsRequest(builds.builds, RequestProperties(), "TeamCity for Jira");
    auto deployments_body =
        jira::SerializeDeploymentsRequest(deployments.deployments, RequestProperties(), "TeamCity for Jira");
    benchmark::DoNotOptimize(builds_body);
    benchmark::DoNotOptimize(deployments_body);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK(BM_PageRequestsOnly);

}  // namespace
}  // namespace tcj::sync
