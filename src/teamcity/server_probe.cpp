#include "teamcity/server_probe.hpp"

#include <nlohmann/json.hpp>

namespace tcj::teamcity {
namespace {

core::Result<nlohmann::json> GetJson(Transport& transport, const std::string& path) {
  auto response = transport.Get(path);
  if (!response) return std::move(response).take_error();
  if (response->status != 200) return ErrorFromResponse(*response);
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.not_teamcity",
                             "the server answered, but not with TeamCity's REST API (check the URL)");
  }
  return doc;
}

std::int64_t Count(const nlohmann::json& doc) {
  const auto it = doc.find("count");
  return it != doc.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

ClientOptions ProbeOptions() {
  return ClientOptions{.total_timeout = std::chrono::seconds(15), .max_response_bytes = 4 * 1024 * 1024};
}

core::Result<ProbeReport> ProbeServer(Transport& transport) {
  auto info = GetJson(transport, "/app/rest/server");
  if (!info) return std::move(info).take_error();
  ProbeReport report;
  if (!info->contains("version") || !(*info)["version"].is_string()) {
    return core::Error::Make(core::ErrorKind::bad_payload, "teamcity.not_teamcity",
                             "the server answered, but not with TeamCity's REST API (no version)");
  }
  report.version = (*info)["version"].get<std::string>();
  if (info->contains("versionMajor") && (*info)["versionMajor"].is_number_integer()) {
    report.version_major = (*info)["versionMajor"].get<int>();
  }
  // Who we are: an admin checks that it is the read-only user they meant. Old servers and some
  // guest setups do not answer; that is not a failure of the connection.
  if (auto user = GetJson(transport, "/app/rest/users/current?fields=username,name")) {
    for (const char* field : {"username", "name"}) {
      if (const auto it = user->find(field); it != user->end() && it->is_string() && !it->get<std::string>().empty()) {
        report.user = it->get<std::string>();
        break;
      }
    }
  }
  auto projects = GetJson(transport, "/app/rest/projects?locator=archived:false,count:10000&fields=count");
  if (!projects) return std::move(projects).take_error();
  report.projects = Count(*projects);
  auto build_types = GetJson(transport, "/app/rest/buildTypes?locator=count:100000&fields=count");
  if (!build_types) return std::move(build_types).take_error();
  report.build_types = Count(*build_types);
  return report;
}

}  // namespace tcj::teamcity
