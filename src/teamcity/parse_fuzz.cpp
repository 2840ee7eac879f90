// libFuzzer: every TeamCity answer parser and the date parser never crash, leak or throw, whatever
// arrives; what they accept satisfies the promises of parse.hpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "teamcity/dates.hpp"
#include "core/time.hpp"
#include "teamcity/parse.hpp"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

// A refusal says what is wrong, as bad input (memory exhaustion aside).
void Refusal(const tcj::core::Error& error) {
  Require(!error.message.empty());
  Require(error.kind == tcj::core::ErrorKind::bad_payload || error.kind == tcj::core::ErrorKind::internal);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcj::teamcity;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto page = ParseBuildsPage(text); page.ok()) {
    Require(page->SentCount() <= kMaxBuildsPerPage);
    for (const auto& unreadable : page->unreadable) Require(!unreadable.reason.empty());
  } else {
    Refusal(page.error());
  }
  if (auto build = ParseBuild(text); build.ok()) {
    (void)build->Property("jira.issueKeys");
  } else {
    Refusal(build.error());
  }
  if (auto changes = ParseChangesPage(text); !changes.ok()) Refusal(changes.error());
  if (auto server = ParseServerInfo(text); !server.ok()) Refusal(server.error());
  if (auto types = ParseBuildTypes(text); !types.ok()) Refusal(types.error());
  if (auto projects = ParseProjects(text); !projects.ok()) Refusal(projects.error());

  // A date that parses formats back to a date that parses to the same instant.
  if (auto when = ParseTeamCityDate(text)) {
    const auto again = ParseTeamCityDate(FormatTeamCityDate(*when));
    Require(again.has_value() && *again == *when);
    Require(core::FormatRfc3339(*when).size() == 20);
  }
  return 0;
}
