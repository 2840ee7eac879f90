// relay: the hub in each serve process that holds the relays connected to it: it hands their
// channels (long polls) the TeamCity requests of the sync and of the admin pages, and gives each
// asker its answer. In memory only; which process holds which relay is in relay_state (relays.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "relay/protocol.hpp"

namespace tcj::relay {

struct HubOptions {
  // A channel with nothing to do is answered 204 after this: proxies close idle requests, and a
  // channel that died unnoticed is found within it.
  std::chrono::milliseconds poll_wait{20'000};
  // From asking to the answer: the relay's TeamCity timeout (at most 50 s, teamcity.timeout_seconds)
  // and the upload, with a margin.
  std::chrono::milliseconds answer_timeout{60'000};
  // The per-relay caps: channels parked, requests handed to the relay and not answered yet, and
  // requests waiting for a channel.
  std::size_t max_channels = 8;
  std::size_t max_waiting = 256;
  // A relay with no channel parked and no poll for this long is gone.
  std::chrono::milliseconds gone_after{std::chrono::milliseconds(poll_wait) + std::chrono::seconds(15)};
};

// Who polls: the relay program's process (a new instance is a restart) and its version.
struct PollerInfo {
  std::string instance;
  std::string version;
};

using Respond = std::function<void(http::Response)>;

struct RelayView {
  core::TenantId tenant;
  std::string token_id;  // of the token it connected with
  bool connected = false;
  std::chrono::system_clock::time_point connected_since{};
  std::chrono::system_clock::time_point disconnected_at{};
  std::chrono::system_clock::time_point last_request{};
  std::string version;
  std::uint64_t requests = 0;  // answered since this process started
  std::uint64_t refusals = 0;
  std::string last_refusal;
};

class Hub {
 public:
  Hub(HubOptions options, core::Logger log);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // The asking side: runs path through the server's relay when it is connected here. Fails
  // retryably when it is not (relay.not_connected), restarts or stops before answering, or does
  // not answer in time; the relay's refusal and TeamCity's unreachability come back as answers.
  // Only a relay that connected with a token of tenant ever gets the request.
  core::Result<Answer> Exchange(const core::TenantId& tenant, const core::ServerId& server, std::string path);
  bool Holds(const core::TenantId& tenant, const core::ServerId& server) const;

  // The relay's side: a poll of a channel of the server's relay (tenant: the token's), with the
  // answer to the request the channel had last (id, answer). respond is called once, now or later.
  void Poll(const core::TenantId& tenant, const core::ServerId& server, const std::string& token_id,
            const PollerInfo& poller, std::optional<std::pair<std::uint64_t, Answer>> answer, Respond respond);
  // The relay's token no longer opens it (revoked, rotated, server removed): its channels are
  // answered 401, and what it was asked fails at once.
  void Disconnect(const core::ServerId& server, const std::string& why);
  // The relay process `instance` is stopping (SIGTERM): it is disconnected now, not when its
  // channels have been silent long enough.
  void Goodbye(const core::ServerId& server, const std::string& instance);

  // Every relay this process knows, connected or not since it last was.
  std::map<core::ServerId, RelayView> Views() const;
  // Servers whose relay connected or went since the last call (what relay_state must hear now).
  std::vector<core::ServerId> TakeChanged();

  // Answers every channel 503 (the relay reconnects, to another process), fails every wait, and
  // counts every relay as disconnected.
  void Stop();

 private:
  struct Waiter;
  struct Channel {
    Respond respond;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Session;

  void DisconnectLocked(const core::ServerId& server, Session& session, const std::string& why, int status);
  void Hand(Session& session, const std::shared_ptr<Waiter>& waiter, const Channel& channel);
  void FailAll(Session& session, const core::Error& error);
  void Reap();

  HubOptions options_;
  core::Logger log_;
  mutable std::mutex mutex_;
  std::condition_variable reaper_wake_;
  bool stopping_ = false;
  std::uint64_t next_id_ = 1;
  std::map<core::ServerId, std::unique_ptr<Session>> sessions_;
  std::vector<core::ServerId> changed_;
  std::thread reaper_;
};

}  // namespace tcj::relay
