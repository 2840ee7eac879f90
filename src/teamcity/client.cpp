#include "teamcity/client.hpp"

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/uri.hpp"
#include "teamcity/parse.hpp"

namespace tcj::teamcity {

const char* const kBuildFields =
    "count,nextHref,build(id,buildTypeId,number,status,state,running,composite,failedToStart,personal,history,"
    "branchName,defaultBranch,webUrl,statusText,queuedDate,startDate,finishDate,canceledInfo(timestamp,text),"
    "testOccurrences(count,passed,failed,ignored,muted,newFailed),"
    "revisions(revision(version,vcsBranchName,vcs-root-instance(id,vcs-root-id,name))),"
    "snapshot-dependencies(build(id,buildTypeId)),"
    "changes($locator(count:100),count,change(id,version,username,date,comment)),"
    "relatedIssues(issueUsage(issue(id))),"
    "properties($locator(name:jira.issueKeys),property(name,value)),"
    "buildType(id,internalId,name,projectId,projectName,type),triggered(type))";

bool IsServerPath(std::string_view href) {
  if (href.size() < 2 || href.front() != '/' || href[1] == '/') return false;
  for (const char c : href) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '#') return false;
  }
  const std::string_view path = href.substr(0, href.find('?'));
  // '@' could make the base URL's host user info; '\\' is a slash to some URL parsers.
  return path.find_first_of("@\\") == std::string_view::npos && path.find("/../") == std::string_view::npos &&
         !path.ends_with("/..") && path.find("/./") == std::string_view::npos;
}

namespace {

// The single-build form of the same fields (no collection wrapper).
std::string SingleBuildFields() {
  std::string f = kBuildFields;
  const auto open = f.find("build(");
  f = f.substr(open + 6);
  f.pop_back();  // the wrapper's ')'
  return f;
}

core::Error ForeignHref() {
  return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.bad_payload",
                           "TeamCity sent a nextHref that is not a path of this server");
}

core::Error BadPayload(const std::string& what, const core::Error& e) {
  return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.bad_payload",
                           "TeamCity's answer to " + what + " could not be read: " + e.message);
}

class RestClient final : public Client {
 public:
  explicit RestClient(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}

  core::Result<ServerInfo> Server() override {
    auto body = Get("/app/rest/server");
    if (!body) return std::move(body).take_error();
    auto info = ParseServerInfo(*body);
    if (!info) return BadPayload("/app/rest/server", info.error());
    return info;
  }

  core::Result<std::vector<BuildTypeRef>> BuildTypes() override {
    auto body = Get("/app/rest/buildTypes?locator=templateFlag:false,count:100000&fields=count,buildType(id,internalId,"
                    "name,projectId,projectName,type)");
    if (!body) return std::move(body).take_error();
    auto types = ParseBuildTypes(*body);
    if (!types) return BadPayload("the build configurations", types.error());
    return types;
  }

  core::Result<std::vector<Project>> Projects() override {
    auto body = Get("/app/rest/projects?locator=archived:false,count:100000&fields=count,project(id,internalId,name,"
                    "parentProjectId,archived)");
    if (!body) return std::move(body).take_error();
    auto projects = ParseProjects(*body);
    if (!projects) return BadPayload("the projects", projects.error());
    return projects;
  }

  core::Result<BuildsPage> Builds(const std::string& locator) override {
    return Page("/app/rest/builds?locator=" + core::PercentEncode(locator) +
                "&fields=" + core::PercentEncode(kBuildFields));
  }

  core::Result<BuildsPage> NextPage(const std::string& next_href) override {
    if (!IsServerPath(next_href)) return ForeignHref();
    return Page(std::string(WithoutAuthPrefix(next_href)));
  }

  core::Result<std::optional<Build>> BuildById(core::BuildId id) override {
    static const std::string kFields = core::PercentEncode(SingleBuildFields());
    auto response = Send("/app/rest/builds/id:" + id.str() + "?fields=" + kFields);
    if (!response) return std::move(response).take_error();
    if (response->status == 404) return std::optional<Build>{};
    if (response->status != 200) return ErrorFromResponse(*response);
    auto build = ParseBuild(response->body);
    // A build whose fields cannot be read stays told apart (kUnreadableBuildCode): the caller skips it.
    if (!build && build.error().code == kUnreadableBuildCode) return std::move(build).take_error();
    if (!build) return BadPayload("build " + id.str(), build.error());
    return std::optional<Build>(std::move(*build));
  }

  core::Result<std::vector<Change>> Changes(core::BuildId build, std::size_t max_changes) override {
    std::vector<Change> all;
    std::string path = "/app/rest/changes?locator=" + core::PercentEncode("build:(id:" + build.str() + "),count:1000") +
                       "&fields=" + core::PercentEncode("nextHref,change(id,version,username,date,comment)");
    while (all.size() < max_changes) {
      auto response = Send(path);
      if (!response) return std::move(response).take_error();
      if (response->status != 200) return ErrorFromResponse(*response);
      auto page = ParseChangesPage(response->body);
      if (!page) return BadPayload("the changes of build " + build.str(), page.error());
      for (auto& c : page->changes) {
        if (all.size() >= max_changes) break;
        all.push_back(std::move(c));
      }
      if (!page->next_href || page->changes.empty()) break;
      if (!IsServerPath(*page->next_href)) return ForeignHref();
      path = WithoutAuthPrefix(*page->next_href);
    }
    return all;
  }

  core::Result<std::int64_t> CountBuilds(const std::string& locator) override {
    auto body = Get("/app/rest/builds?locator=" + core::PercentEncode(locator + ",count:10000000,lookupLimit:10000000") +
                    "&fields=count");
    if (!body) return std::move(body).take_error();
    const auto doc = nlohmann::json::parse(*body, nullptr, false);
    if (!doc.is_object() || !doc.contains("count") || !doc["count"].is_number_integer()) {
      return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.bad_payload",
                               "TeamCity's count of builds is not a number");
    }
    return doc["count"].get<std::int64_t>();
  }

  core::Result<std::optional<std::string>> BuildParameter(core::BuildId build, const std::string& name) override {
    auto response = Send("/app/rest/builds/id:" + build.str() + "/resultingProperties");
    if (!response) return std::move(response).take_error();
    if (response->status == 404) return std::optional<std::string>{};
    if (response->status != 200) return ErrorFromResponse(*response);
    const auto doc = nlohmann::json::parse(response->body, nullptr, false);
    if (!doc.is_object() || (doc.contains("property") && !doc["property"].is_array())) {
      return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.bad_payload",
                               "TeamCity's parameters of build " + build.str() + " could not be read");
    }
    for (const auto& p : doc.value("property", nlohmann::json::array())) {
      if (p.is_object() && p.value("name", "") == name && p.contains("value") && p["value"].is_string()) {
        return std::optional<std::string>(p["value"].get<std::string>());
      }
    }
    return std::optional<std::string>{};
  }

 private:
  core::Result<http::ClientResponse> Send(const std::string& path) { return transport_->Get(path); }

  core::Result<std::string> Get(const std::string& path) {
    auto response = Send(path);
    if (!response) return std::move(response).take_error();
    if (response->status != 200) return ErrorFromResponse(*response);
    return std::move(response->body);
  }

  core::Result<BuildsPage> Page(const std::string& path) {
    auto response = Send(path);
    if (!response) return std::move(response).take_error();
    if (response->status != 200) return ErrorFromResponse(*response);
    auto page = ParseBuildsPage(response->body);
    if (!page) return BadPayload("a page of builds", page.error());
    return page;
  }

  std::unique_ptr<Transport> transport_;
};

}  // namespace

std::unique_ptr<Client> MakeRestClient(std::unique_ptr<Transport> transport) {
  return std::make_unique<RestClient>(std::move(transport));
}

std::unique_ptr<Client> MakeRestClient(std::shared_ptr<http::HttpClient> http, ServerConnection server,
                                       ClientOptions options) {
  return MakeRestClient(MakeDirectTransport(std::move(http), std::move(server), std::move(options)));
}

std::string LocatorValue(std::string_view value) {
  if (value.find_first_of("(),:$") == std::string_view::npos) return std::string(value);
  return "($base64:" + core::Base64UrlEncode(value) + ")";
}

}  // namespace tcj::teamcity
