// ExtractIssueKeys per build: a typical build (branch and 5 commit messages) and, for throughput,
// one 1 MB commit message. Run from the release preset: build/release/issuekeys_benchmark.
#include <benchmark/benchmark.h>

#include <string>

#include "issuekeys/issuekeys.hpp"

namespace tcj::issuekeys {
namespace {

KeyPolicy SitePolicy() {
  KeyPolicy policy;
  policy.jira_projects = std::set<std::string>{"ABC", "DEMO", "OPS", "WEB"};
  policy.jira_host = "acme.atlassian.net";
  return policy;
}

BuildText TypicalBuild() {
  BuildText text;
  text.branch = "feature/ABC-123-login";
  text.commits = {
      {"101", "[ABC-123] Fix null pointer in login handler"},
      {"102",
       "Refactor session cache\n\nThe cache kept entries of expired sessions, which made the login page slow "
       "after a night of traffic. Entries now expire with the session.\n\nRefs ABC-123, DEMO-7"},
      {"103", "Convert all sources to UTF-8 encoding"},
      {"104", "Merge branch 'feature/ABC-120-audit' into main"},
      {"105", "See https://github.com/acme/app/pull/87 for the review; Bump lodash-4.17.21 in the web bundle"},
  };
  return text;
}

void BM_ExtractTypicalBuild(benchmark::State& state) {
  const BuildText text = TypicalBuild();
  const KeyPolicy policy = SitePolicy();
  for (auto _ : state) {
    Extraction extraction = ExtractIssueKeys(text, policy);
    benchmark::DoNotOptimize(extraction);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExtractTypicalBuild);

void BM_ExtractOneMegabyteMessage(benchmark::State& state) {
  const std::string paragraph =
      "Update dependencies and tidy up logging for ABC-7; see https://other.example/DEMO-3 and SHA-256 sums. ";
  std::string message;
  while (message.size() < 1024 * 1024) message += paragraph;
  BuildText text;
  text.commits = {{"1", message}};
  const KeyPolicy policy = SitePolicy();
  for (auto _ : state) {
    Extraction extraction = ExtractIssueKeys(text, policy);
    benchmark::DoNotOptimize(extraction);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(message.size()));
}
BENCHMARK(BM_ExtractOneMegabyteMessage);

}  // namespace
}  // namespace tcj::issuekeys
