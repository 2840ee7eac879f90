// relay: the relay program (teamcity-jira relay): next to a TeamCity server behind a firewall, it
// keeps a few long polls open to the service (outbound HTTPS only, through a proxy if need be),
// runs the TeamCity requests the service hands it with credentials that never leave this
// machine, after checking each against its own allowlist, and returns the answers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "core/log.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"
#include "relay/agent_config.hpp"
#include "relay/protocol.hpp"
#include "teamcity/transport.hpp"

namespace tcj::relay {

struct AgentCounters {
  std::atomic<std::uint64_t> served{0};           // answers delivered to the service
  std::atomic<std::uint64_t> refused{0};          // requests the allowlist refused
  std::atomic<std::uint64_t> teamcity_errors{0};  // TeamCity unreachable, or answering 5xx
  std::atomic<int> channels_connected{0};
};

class Agent {
 public:
  // service: reaches the service (through the proxy); teamcity: the TeamCity server.
  Agent(AgentConfig config, core::Secret token, std::shared_ptr<http::HttpClient> service,
        std::unique_ptr<teamcity::Transport> teamcity, core::Logger log);
  ~Agent();

  // Runs the channels until Stop; logs a status line every status_every.
  void Run(std::chrono::seconds status_every = std::chrono::seconds(60));
  // From any thread (a signal handler's thread): ends Run within about a second.
  void Stop();

  const AgentCounters& counters() const { return counters_; }

 private:
  struct Pending {
    std::uint64_t id = 0;
    Answer answer;
  };
  void Channel(int index);
  void SayGoodbye();
  Answer Ask(const std::string& path);
  // Waits for the request rate cap; false when stopping.
  bool Pace();
  // Sleeps unless stopping; false when stopping.
  bool Sleep(std::chrono::milliseconds how_long);
  core::Secret Token();

  AgentConfig config_;
  std::shared_ptr<http::HttpClient> service_;
  std::unique_ptr<teamcity::Transport> teamcity_;
  core::Logger log_;
  std::string instance_;
  AgentCounters counters_;

  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  core::Secret token_;
  std::chrono::steady_clock::time_point next_request_{};
};

// A TeamCity client's transport for the relay: straight to config.teamcity_url with the local
// credentials and the relay's limits.
std::unique_ptr<teamcity::Transport> MakeAgentTeamCityTransport(const AgentConfig& config,
                                                                tenants::TeamCityCredentials credentials,
                                                                std::shared_ptr<http::HttpClient> http);

}  // namespace tcj::relay
