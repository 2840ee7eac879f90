// The monitoring kit against the built executable: every metric the alert rules
// (deploy/prometheus) and the Grafana dashboard (deploy/grafana) use is one a running serve exports,
// and the database-wide gauges carry the queue and lag of a server just added.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sync_fixture.hpp"

namespace tcj::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

// Skips from an opening bracket to just past its matching close, stepping over quoted strings.
std::size_t SkipBracketed(std::string_view expr, std::size_t at) {
  const char open = expr[at];
  const char close = open == '(' ? ')' : open == '{' ? '}' : ']';
  int depth = 0;
  for (std::size_t i = at; i < expr.size(); ++i) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      for (++i; i < expr.size() && expr[i] != c; ++i) {
        if (expr[i] == '\\' && c != '`') ++i;
      }
    } else if (c == open) {
      ++depth;
    } else if (c == close && --depth == 0) {
      return i + 1;
    }
  }
  return expr.size();
}

// The metric names a PromQL expression reads. Not a parser, but enough for ours: label matchers
// ({...}), ranges ([...]), label lists after by/without/on/ignoring/group_left/group_right, strings,
// numbers and durations, functions and aggregations (a name followed by "("), keywords, and
// Grafana's variables ($name, ${name}) are not metric names.
std::set<std::string> MetricNames(std::string_view expr) {
  static const std::set<std::string_view> kKeywords = {
      "and",        "or",           "unless",  "bool", "offset",   "by",  "without", "on",     "ignoring",
      "group_left", "group_right",  "sum",     "min",  "max",      "avg", "group",   "stddev", "stdvar",
      "count",      "count_values", "bottomk", "topk", "quantile", "inf", "nan",     "atan2"};
  static const std::set<std::string_view> kLabelLists = {"by",       "without",    "on",
                                                         "ignoring", "group_left", "group_right"};
  std::set<std::string> names;
  std::size_t i = 0;
  while (i < expr.size()) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      std::size_t j = i + 1;
      for (; j < expr.size() && expr[j] != c; ++j) {
        if (expr[j] == '\\' && c != '`') ++j;
      }
      i = j + 1;
    } else if (c == '{' || c == '[') {
      i = SkipBracketed(expr, i);
    } else if (c == '$') {
      ++i;
      if (i < expr.size() && expr[i] == '{') {
        i = SkipBracketed(expr, i);
      } else {
        while (i < expr.size() && IsNameChar(expr[i])) ++i;
      }
    } else if (c >= '0' && c <= '9') {
      while (i < expr.size() && (IsNameChar(expr[i]) || expr[i] == '.')) ++i;  // 1e9, 0x1f, 5m
    } else if (IsNameStart(c)) {
      std::size_t end = i;
      while (end < expr.size() && IsNameChar(expr[end])) ++end;
      const std::string name(expr.substr(i, end - i));
      std::size_t next = end;
      while (next < expr.size() && (expr[next] == ' ' || expr[next] == '\n' || expr[next] == '\t')) ++next;
      const bool call = next < expr.size() && expr[next] == '(';
      if (kLabelLists.contains(name) && call) {
        i = SkipBracketed(expr, next);
        continue;
      }
      if (!call && !kKeywords.contains(name)) names.insert(name);
      i = end;
    } else {
      ++i;
    }
  }
  return names;
}

// The families /metrics declares (# TYPE), with the series names a histogram adds.
std::set<std::string> ExportedNames(const std::string& metrics) {
  std::set<std::string> names;
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("# TYPE ")) continue;
    std::istringstream words(line.substr(7));
    std::string name;
    std::string type;
    words >> name >> type;
    names.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(name + suffix);
    }
  }
  return names;
}

// Names used but not exported. `up` is not the service's: Prometheus writes it for every target.
std::set<std::string> Missing(const std::set<std::string>& used, const std::set<std::string>& exported) {
  std::set<std::string> missing;
  for (const auto& name : used) {
    if (name != "up" && !exported.contains(name)) missing.insert(name);
  }
  return missing;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t Indent(const std::string& line) {
  return line.find_first_not_of(' ');
}

// Every `expr:` of a Prometheus rules file, single-line or a block scalar (>- or |) on the lines below.
std::vector<std::string> RuleExpressions(const std::string& yaml) {
  std::vector<std::string> exprs;
  std::istringstream in(yaml);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t key = lines[i].find("expr:");
    if (key == std::string::npos || key != Indent(lines[i])) continue;
    std::string value = lines[i].substr(key + 5);
    value.erase(0, value.find_first_not_of(' '));
    if (value.starts_with(">") || value.starts_with("|")) {
      value.clear();
      while (i + 1 < lines.size() &&
             (lines[i + 1].find_first_not_of(' ') == std::string::npos || Indent(lines[i + 1]) > key)) {
        value += lines[++i] + "\n";
      }
    }
    exprs.push_back(value);
  }
  return exprs;
}

// Every query of a Grafana dashboard: the panels' targets (rows' panels included) and the
// templating queries, label_values(metric, label) reduced to its metric.
std::vector<std::string> DashboardExpressions(const json& dashboard) {
  std::vector<std::string> exprs;
  std::function<void(const json&)> walk = [&](const json& panels) {
    for (const auto& p : panels) {
      for (const auto& t : p.value("targets", json::array())) exprs.push_back(t.value("expr", ""));
      walk(p.value("panels", json::array()));
    }
  };
  walk(dashboard.value("panels", json::array()));
  for (const auto& v : dashboard["templating"]["list"]) {
    if (v.value("type", "") != "query") continue;
    std::string q = v["query"].is_object() ? v["query"].value("query", "") : v["query"].get<std::string>();
    if (q.starts_with("label_values(")) q = q.substr(13, q.rfind(',') - 13);
    exprs.push_back(q);
  }
  return exprs;
}

const fs::path kSource = TCJ_SOURCE_DIR;

// The checks below are only as good as the name extraction: pin it first.
TEST(MonitoringKitNames, TheExtractorFindsMetricNamesAndNothingElse) {
  EXPECT_EQ(MetricNames(R"(sum by (kind, state) (rate(sync_jobs_total{kind="poll", outcome=~"a|b{c}"}[5m])))"),
            (std::set<std::string>{"sync_jobs_total"}));
  EXPECT_EQ(MetricNames("max by (server) (sync_server_lag_seconds) > 900"),
            (std::set<std::string>{"sync_server_lag_seconds"}));
  EXPECT_EQ(MetricNames("a_total / on (kind) group_left (x) b_total offset 5m > bool 14 * 86400 and c unless d"),
            (std::set<std::string>{"a_total", "b_total", "c", "d"}));
  EXPECT_EQ(MetricNames("histogram_quantile(0.99, sum without (instance) (rate(x_bucket{i=~\"$instance\"}"
                        "[$__rate_interval]))) - time() < 1e9"),
            (std::set<std::string>{"x_bucket"}));
  EXPECT_EQ(MetricNames("count(up{job=\"teamcity-jira\"} == 0) or vector(0)"), (std::set<std::string>{"up"}));
  EXPECT_EQ(MetricNames("sum\n  by (le) (y)"), (std::set<std::string>{"y"}));
}

TEST(MonitoringKitNames, AMisspeltOrUnknownNameIsReportedAndHistogramSeriesAreKnown) {
  const std::string metrics =
      "# HELP sync_jobs_total Jobs.\n# TYPE sync_jobs_total counter\n"
      "# HELP http_request_duration_seconds Time.\n# TYPE http_request_duration_seconds histogram\n";
  const auto exported = ExportedNames(metrics);
  EXPECT_EQ(Missing(MetricNames("rate(sync_jobs_totl[5m]) + rate(sync_jobs_total[5m])"), exported),
            (std::set<std::string>{"sync_jobs_totl"}));
  EXPECT_TRUE(Missing(MetricNames("rate(http_request_duration_seconds_bucket[5m]) + "
                                  "http_request_duration_seconds_count + up"),
                      exported)
                  .empty());
  EXPECT_EQ(Missing(MetricNames("http_request_duration_seconds_total"), exported),
            (std::set<std::string>{"http_request_duration_seconds_total"}));
}

TEST(MonitoringKitNames, EveryRuleAndDashboardQueryIsRead) {
  const std::string rules = ReadFile(kSource / "deploy/prometheus/teamcity-jira.rules.yml");
  std::size_t alerts = 0;
  for (std::size_t at = rules.find("- alert:"); at != std::string::npos; at = rules.find("- alert:", at + 1)) ++alerts;
  const auto exprs = RuleExpressions(rules);
  EXPECT_GE(alerts, 10u);
  EXPECT_EQ(exprs.size(), alerts) << "an alert's expression was not read";
  for (const auto& e : exprs) EXPECT_FALSE(MetricNames(e).empty()) << e;

  const json dashboard = json::parse(ReadFile(kSource / "deploy/grafana/teamcity-jira.json"));
  const auto queries = DashboardExpressions(dashboard);
  EXPECT_GE(queries.size(), 30u);
  for (const auto& q : queries) EXPECT_FALSE(MetricNames(q).empty()) << q;
  // No datasource is pinned to one Grafana: every panel and query uses the ${datasource} variable.
  std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("datasource") && node["datasource"].is_object()) {
        EXPECT_EQ(node["datasource"].value("uid", ""), "${datasource}") << node.dump();
      }
      for (const auto& [key, value] : node.items()) walk(value);
    } else if (node.is_array()) {
      for (const auto& value : node) walk(value);
    }
  };
  walk(dashboard);
}

class MonitoringKitE2E : public SyncFixture {
 protected:
  std::string Metrics() {
    auto r = testing::HttpGet(internal_port_, "/metrics");
    return r && r->status == 200 ? r->body : std::string();
  }
};

TEST_F(MonitoringKitE2E, EveryMetricOfTheRulesAndTheDashboardIsExportedAndTheNewGaugesCarryValues) {
  fs::create_directories(dir_ / "backups");
  StartService(2, {"TCJ_RETENTION_BACKUP_DIR=" + (dir_ / "backups").string()});
  CreateTeamCity("alpha", 20);
  const std::string server = AddServer("alpha");
  ASSERT_FALSE(server.empty());

  // The database-wide gauges are read every 15 s: within a few reads the new server's poll job and
  // its lag show.
  std::string metrics;
  const std::regex lag("\nsync_server_lag_seconds\\{server=\"" + server + "\"\\} [0-9]+\n");
  const std::regex poll_jobs(R"re(
sync_queue_jobs\{kind="poll",state="(queued|running)"\} [1-9][0-9]*
)re");
  ASSERT_TRUE(Eventually(
      [&] {
        metrics = Metrics();
        return std::regex_search(metrics, lag) && std::regex_search(metrics, poll_jobs);
      },
      60s))
      << metrics;
  EXPECT_NE(metrics.find("\nsync_queue_oldest_due_seconds{kind=\"poll\"} "), std::string::npos) << metrics;
  std::smatch free;
  ASSERT_TRUE(std::regex_search(metrics, free, std::regex(R"re(
backup_filesystem_free_bytes ([0-9.e+]+)
)re")))
      << metrics;
  EXPECT_GT(std::stod(free[1]), 0);
  EXPECT_NE(metrics.find("\nbackup_filesystem_size_bytes "), std::string::npos) << metrics;
  // TLS is off here: the family is declared, without a sample (TlsE2E checks the value).
  EXPECT_NE(metrics.find("# TYPE http_tls_certificate_not_after_seconds gauge"), std::string::npos);

  const std::set<std::string> exported = ExportedNames(metrics);
  std::set<std::string> used;
  for (const auto& e : RuleExpressions(ReadFile(kSource / "deploy/prometheus/teamcity-jira.rules.yml"))) {
    used.merge(MetricNames(e));
  }
  EXPECT_EQ(Missing(used, exported), std::set<std::string>{}) << "the alert rules use metrics serve does not export";
  used.clear();
  for (const auto& e : DashboardExpressions(json::parse(ReadFile(kSource / "deploy/grafana/teamcity-jira.json")))) {
    used.merge(MetricNames(e));
  }
  EXPECT_EQ(Missing(used, exported), std::set<std::string>{}) << "the dashboard uses metrics serve does not export";
}

}  // namespace
}  // namespace tcj::e2e
