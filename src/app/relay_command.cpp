#include "app/relay_command.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "app/app.hpp"
#include "app/services.hpp"
#include "core/log.hpp"
#include "relay/agent.hpp"

namespace tcj::app {
namespace {

core::Result<core::Secret> ReadRelayToken(const std::string& file) {
  if (file != "-") return relay::ReadSecretFile(file);
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) {
    return core::Error::Make(core::ErrorKind::invalid_input, "relay.config", "no relay token on standard input");
  }
  return core::Secret(std::move(line));
}

int Complain(const std::string& message) {
  (void)std::fprintf(stderr, "teamcity-jira relay: %s\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int RunRelay(const std::string& config_file) {
  LimitMallocArenas();
  auto config = relay::LoadAgentConfig(config_file);
  if (!config) return Complain("configuration error: " + config.error().message);
  auto token = ReadRelayToken(config->token_file);
  if (!token) return Complain(token.error().message);
  auto credentials = relay::TeamCityCredentialsOf(*config);
  if (!credentials) return Complain(credentials.error().message);
  const core::Logger log =
      core::Logger(core::MakeStderrSink(), config->log_level, core::ResolveLogFormat(config->log_format, STDERR_FILENO))
          .With({{"service", "teamcity-jira-relay"}});

  const std::string agent = UserAgent() + " relay";
  auto service_http =
      http::MakeCurlClient(agent, http::CurlOptions{.proxy = config->proxy, .ca_file = config->ca_file});
  auto teamcity_http = http::MakeCurlClient(agent, http::CurlOptions{.proxy = "", .ca_file = config->ca_file});
  relay::Agent relay(*config, std::move(*token), service_http,
                     relay::MakeAgentTeamCityTransport(*config, std::move(*credentials), teamcity_http), log);
  std::thread waiter([&relay, &log] {
    const int signal = WaitForShutdownSignal([] {});
    log.Info("relay.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    relay.Stop();
  });
  relay.Run();  // until the waiter's Stop
  waiter.join();
  return kExitOk;
}

}  // namespace tcj::app
