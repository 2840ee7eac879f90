// Test support: the Node fakes of tests/fakes (Atlassian cloud, TeamCity, the proxy and the load
// balancer) as child processes, with a small JSON client for their control APIs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "support/child_process.hpp"

namespace tcj::testing {

class NodeFake {
 public:
  // script: the fake's folder ("atlassian", "teamcity", "proxy", "balancer"). Fails the test
  // (ADD_FAILURE) when the fake does not start.
  NodeFake(const std::string& script, const std::filesystem::path& work_dir);
  ~NodeFake();

  std::uint16_t port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Where Get/Post/Delete go: port(), or the control listener of a fake that announces one
  // ("controlOrigin", the balancer: its own port forwards every path).
  std::uint16_t control_port() const { return control_port_; }

  // JSON calls to the fake (its control API or its public routes); the body of the answer, parsed
  // when it is JSON; status in *status when given.
  nlohmann::json Get(const std::string& path, int* status = nullptr);
  nlohmann::json Post(const std::string& path, const nlohmann::json& body, int* status = nullptr);
  nlohmann::json Delete(const std::string& path, int* status = nullptr);

 private:
  nlohmann::json Call(const std::string& method, const std::string& path, const std::string& body, int* status);
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
  std::shared_ptr<http::HttpClient> client_;
};

}  // namespace tcj::testing
