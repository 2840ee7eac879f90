// Parsing one page of 100 builds as the sync engine requests them (spec §3 field list plus nested
// changes, related issues and parameters), with our simdjson parser and, for comparison, with
// nlohmann-json building its DOM alone (no mapping into Build at all) and simdjson's DOM alone.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "teamcity/parse.hpp"

namespace tcj::teamcity {
namespace {

// A page shaped like the project's fake TeamCity serves it (tests/fixtures/teamcity/generated_page_100.json):
// ~1.4 KB per build, 0-8 changes each, a deployment with a snapshot dependency every eighth build,
// tests on some, non-ASCII text on others. Deterministic, so runs compare.
std::string RealisticPage(int builds) {
  std::uint32_t seed = 42;
  auto next = [&seed](std::uint32_t bound) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % bound;
  };
  constexpr const char* kTypes[] = {"Build", "UnitTests", "Lint", "AllChecks", "DeployToStaging"};
  constexpr const char* kBranches[] = {"main", "feature/ABC-12-login", "bugfix/demo-7-crash", "43/head",
                                       "feature/ünïcödé-ABC-5"};
  constexpr const char* kComments[] = {
      "ABC-207 ABC-268 share one session cache", "Tidy up logging", "Merge branch 'feature/DEMO-38-login' into main",
      "feat(ABC-316): scope the audit log", "Fixes DEMO-212.\\n\\nRefs ABC-7 on a later line, with ünïcödé text"};
  constexpr const char* kUsers[] = {"alice", "bob", "carol", "élodie", "zhang.wei"};
  std::string out =
      R"({"count":)" + std::to_string(builds) +
      R"(,"nextHref":"/app/rest/builds?locator=count:100,start:100,defaultFilter:false&fields=count%2cnextHref","build":[)";
  for (int i = 0; i < builds; ++i) {
    const std::string id = std::to_string(1300 - i);
    const char* type = kTypes[next(5)];
    const char* branch = kBranches[next(5)];
    const bool deployment = i % 8 == 0;
    const std::string bt = std::string("Backend_") + type;
    if (i > 0) out += ',';
    out +=
        R"({"id":)" + id + R"(,"buildTypeId":")" + bt + R"(","number":"1.4.)" + std::to_string(i) + R"(","status":")" +
        (next(7) == 0 ? "FAILURE" : "SUCCESS") +
        R"(","state":"finished","running":false,"composite":false,"failedToStart":false,"personal":false,)"
        R"("branchName":")" +
        branch + R"(","defaultBranch":)" + (branch[0] == 'm' ? "true" : "false") +
        R"(,"history":false,"webUrl":"https://teamcity.example.com/buildConfiguration/)" + bt + "/" + id +
        R"(","statusText":"Tests passed: 676, ignored: 1","buildType":{"id":")" + bt + R"(","internalId":"bt)" +
        std::to_string(next(20)) + R"(","name":")" + type +
        R"(","projectName":"Backend / Services","projectId":"Backend","type":")" +
        (deployment ? "deployment" : "regular") +
        R"("},"queuedDate":"20250102T004138+0000","startDate":"20250102T004207+0000","finishDate":"20250102T005117+0000",)"
        R"("triggered":{"type":"vcs"},)";
    const std::uint32_t changes = deployment ? 0 : next(9);
    out += R"("changes":{"count":)" + std::to_string(changes) + R"(,"change":[)";
    for (std::uint32_t c = 0; c < changes; ++c) {
      if (c > 0) out += ',';
      out += R"({"id":)" + std::to_string(5000 - i * 10 - static_cast<int>(c)) +
             R"(,"version":"a2b5a30c212188df933ce104fe75f5b54b85da8e","username":")" + kUsers[next(5)] +
             R"(","date":"20250102T004843+0000","comment":")" + kComments[next(5)] + R"("})";
    }
    out += R"(]},"revisions":{"revision":[{"version":"764cfe64bca4b66262064076c430db4e3d841d53",)"
           R"("vcsBranchName":"refs/heads/)" +
           std::string(branch) +
           R"(","vcs-root-instance":{"id":"100","vcs-root-id":"Backend_Repo","name":"backend-repo"}}]},)";
    if (next(4) == 0) {
      out += R"("testOccurrences":{"count":677,"passed":676,"failed":0,"newFailed":0,"ignored":1,"muted":2},)";
    }
    out +=
        R"("relatedIssues":{"issueUsage":[{"issue":{"id":"ABC-207","url":"https://example.atlassian.net/browse/ABC-207"}}]},)";
    out += R"("properties":{"property":[{"name":"env.JAVA_HOME","value":"/usr/lib/jvm/java-17"},)"
           R"({"name":"system.build.flavour","value":"debug"}]})";
    if (deployment)
      out += R"(,"snapshot-dependencies":{"build":[{"id":)" + std::to_string(1200 - i) +
             R"(,"buildTypeId":"Backend_Build"}]})";
    out += '}';
  }
  out += "]}";
  return out;
}

const std::string& Page() {
  static const std::string page = RealisticPage(100);
  return page;
}

void BM_ParseBuildsPage_Simdjson(benchmark::State& state) {
  const std::string& page = Page();
  std::size_t changes = 0;
  for (auto _ : state) {
    auto parsed = ParseBuildsPage(page);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message.c_str());
      break;
    }
    changes = 0;
    for (const auto& b : parsed->builds) changes += b.changes.size();
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * 100);  // items = builds
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
  state.counters["page_bytes"] = static_cast<double>(page.size());
  state.counters["changes"] = static_cast<double>(changes);
}
BENCHMARK(BM_ParseBuildsPage_Simdjson);

// nlohmann-json's parse alone, before any mapping: the floor of what the old way would cost.
void BM_ParseOnly_Nlohmann(benchmark::State& state) {
  const std::string& page = Page();
  for (auto _ : state) {
    auto json = nlohmann::json::parse(page);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK(BM_ParseOnly_Nlohmann);

// simdjson's DOM alone, for the share of ParseBuildsPage that is mapping into Build.
void BM_ParseOnly_SimdjsonDom(benchmark::State& state) {
  const std::string& page = Page();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(page).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson refused the page");
      break;
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
}
BENCHMARK(BM_ParseOnly_SimdjsonDom);

// A single long-form build, the answer of GET /app/rest/builds/id:N.
void BM_ParseBuild_Simdjson(benchmark::State& state) {
  const std::string page = RealisticPage(1);
  const std::string build = page.substr(page.find("\"build\":[") + 9, page.size() - page.find("\"build\":[") - 11);
  if (auto check = ParseBuild(build); !check.ok()) {
    state.SkipWithError(check.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto parsed = ParseBuild(build);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseBuild_Simdjson);

}  // namespace
}  // namespace tcj::teamcity
