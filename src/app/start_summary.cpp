#include "app/start_summary.hpp"

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "tenants/tenant_store.hpp"

namespace tcj::app {
namespace {

struct Totals {
  std::int64_t active = 0;                      // sites being served
  std::int64_t real = 0;                        // of those, sites with a Jira (not trial)
  std::int64_t inactive = 0;                    // disabled or uninstalled
  std::int64_t servers = 0;                     // of the active sites
  std::map<std::string, std::int64_t> by_kind;  // active sites
};

Totals Add(const std::vector<tenants::SiteCount>& counts) {
  Totals t;
  for (const auto& c : counts) {
    if (c.state != "active") {
      t.inactive += c.sites;
      continue;
    }
    t.active += c.sites;
    t.servers += c.servers;
    t.by_kind[c.kind] += c.sites;
    if (c.kind != ToString(tenants::TenantKind::trial)) t.real += c.sites;
  }
  return t;
}

std::string KindName(const std::string& kind) {
  if (kind == "connect") return "Connect";
  if (kind == "oauth") return "OAuth";
  if (kind == "forge") return "Forge";
  return kind;
}

std::string DescribeSites(const Totals& t) {
  std::string text = fmt::format("{} active", t.active);
  if (!t.by_kind.empty()) {
    std::string kinds;
    for (const auto& [kind, n] : t.by_kind)
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, KindName(kind));
    text += " (" + kinds + ")";
  }
  if (t.inactive > 0) text += fmt::format(", {} disabled or uninstalled", t.inactive);
  return text + fmt::format("; {} TeamCity server{}", t.servers, t.servers == 1 ? "" : "s");
}

}  // namespace

std::string NextStep(const StartSummary& s) {
  const std::string admin = s.public_url + "/admin";
  if (!s.sites) return "Waiting for the database; " + s.public_url + "/readyz answers 200 once it is reachable.";
  const Totals t = Add(*s.sites);
  const std::string trial(tenants::kTrialSiteUrl);
  if (s.trial_token_printed) {
    return "Open " + admin + " and sign in with the trial site's token printed above; add your TeamCity there. " +
           "Nothing is sent to Jira from a trial site: " + s.public_url + "/ says how to connect one.";
  }
  if (t.active == 0) {
    std::string step = "No Jira site yet. " + s.public_url + "/ lists the ways to connect one";
    if (s.embedded_database) step += ", or try the admin pages on a trial site first: `make run`";
    return step + ".";
  }
  if (t.real == 0) {
    return "Open " + admin + " with the trial site's token. Lost it? `teamcity-jira admin-tokens create --site " +
           trial + " --config FILE`.";
  }
  return "Admin pages: " + admin + " (sign in with `teamcity-jira admin-tokens create --site URL --config FILE`), " +
         "or inside Jira for Connect and Forge sites.";
}

std::string RenderStartSummary(const StartSummary& s) {
  std::string out = fmt::format("\nTeamCity for Jira {} is serving\n", s.version);
  const auto line = [&out](std::string_view label, std::string_view value) {
    out += fmt::format("  {:<10}{}\n", label, value);
  };
  line("Open", s.public_url + "/");
  line("Listening", s.listening);
  line("Metrics", s.metrics);
  line("Database", s.database);
  line("Sites", s.sites ? DescribeSites(Add(*s.sites)) : "not known yet (the database is not reachable)");
  line("Next", NextStep(s));
  return out;
}

void ReportStartSummary(const core::Logger& log, const StartSummary& s) {
  if (log.readable()) {
    log.Print(RenderStartSummary(s));
    return;
  }
  const Totals t = s.sites ? Add(*s.sites) : Totals{};
  log.Info("serve.summary", {{"sites_known", s.sites.has_value()},
                             {"sites_active", t.active},
                             {"sites_inactive", t.inactive},
                             {"servers", t.servers},
                             {"next", NextStep(s)}});
}

void PrintTrialToken(std::FILE* out, std::string_view token, const std::string& public_url) {
  (void)std::fprintf(out,
                     "\nA trial site was made for trying the service (nothing of it is ever sent to Jira).\n"
                     "Sign in at %s/admin with this token; it is shown only once:\n\n    %.*s\n\n",
                     public_url.c_str(), static_cast<int>(token.size()), token.data());
  (void)std::fflush(out);
}

}  // namespace tcj::app
