#include "support/node_fake.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace tcj::testing {

NodeFake::NodeFake(const std::string& script, const std::filesystem::path& work_dir)
    : client_(http::MakeCurlClient("teamcity-jira-tests")) {
  const std::string main = std::string(TCJ_SOURCE_DIR) + "/tests/fakes/" + script + "/main.js";
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"node", main, "--ignore-stdin"},
                                            std::vector<std::string>{}, work_dir / ("fake-" + script + ".log"));
  const auto out = process_->WaitForOutput("\"listening\"", std::chrono::seconds(30));
  if (!out) {
    ADD_FAILURE() << "the " << script << " fake did not start: " << process_->Output();
    return;
  }
  std::smatch m;
  if (std::regex_search(*out, m, std::regex(R"re("port":(\d+))re"))) port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  control_port_ = port_;
  if (std::regex_search(*out, m, std::regex(R"re("controlOrigin":"http://127\.0\.0\.1:(\d+)")re"))) {
    control_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
}

NodeFake::~NodeFake() {
  if (process_) {
    process_->Signal(SIGTERM);
    process_->WaitForExit(std::chrono::seconds(10));
  }
}

nlohmann::json NodeFake::Call(const std::string& method, const std::string& path, const std::string& body,
                              int* status) {
  http::ClientRequest request{.method = method, .url = "http://127.0.0.1:" + std::to_string(control_port_) + path};
  request.headers.Set("Accept", "application/json");
  if (!body.empty()) {
    request.headers.Set("Content-Type", "application/json");
    request.body = body;
  }
  request.max_response_bytes = 64 * 1024 * 1024;
  auto response = client_->Send(request);
  if (!response) {
    ADD_FAILURE() << method << " " << path << ": " << response.error().message;
    return nullptr;
  }
  if (status != nullptr) *status = response->status;
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  return doc.is_discarded() ? nlohmann::json(response->body) : doc;
}

nlohmann::json NodeFake::Get(const std::string& path, int* status) { return Call("GET", path, "", status); }
nlohmann::json NodeFake::Post(const std::string& path, const nlohmann::json& body, int* status) {
  return Call("POST", path, body.dump(), status);
}
nlohmann::json NodeFake::Delete(const std::string& path, int* status) { return Call("DELETE", path, "", status); }

}  // namespace tcj::testing
