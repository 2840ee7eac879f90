// relay: the service side of relays in one serve process: the route relays poll, the transport
// the sync and the admin pages use for relay servers, and what makes several processes work as
// one. A relay's channels all reach whichever process the load balancer picked; a request for it
// from another process goes through PostgreSQL (relay_exchanges): the asker writes it, the holder
// runs it and writes the answer, change notices wake both.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "db/change_feed.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"
#include "relay/hub.hpp"
#include "relay/relay_tokens.hpp"
#include "teamcity/transport.hpp"

namespace tcj::relay {

struct RelaysOptions {
  HubOptions hub{};
  std::string holder;  // this process, as the jobs table knows it (host:pid)
  std::chrono::seconds heartbeat{5};
};

class Relays {
 public:
  Relays(db::Pool& pool, RelayTokens& tokens, core::Logger log, RelaysOptions options);
  ~Relays();
  Relays(const Relays&) = delete;
  Relays& operator=(const Relays&) = delete;

  // Before the feed starts: revocations disconnect relays, exchanges wake their two sides.
  void FollowChanges(db::ChangeFeed& feed);
  // Before Start: what to do when a server's relay connects here (its jobs, which failed or waited
  // while it was away, run now).
  void OnConnected(std::function<void(const core::TenantId&, const core::ServerId&)> on_connected) {
    on_connected_ = std::move(on_connected);
  }
  void Start();
  // Answers every channel (the relays reconnect elsewhere) and stops the threads. Idempotent.
  void Stop();

  // The transport of a server whose credentials are of kind relay.
  std::unique_ptr<teamcity::Transport> TransportFor(const core::TenantId& tenant, const core::ServerId& server);

  // The relay's poll, for the route at kExchangePath (AuthKind::relay_token).
  http::Response Poll(http::Request& request);

  Hub& hub() { return hub_; }

 private:
  friend class RelayTransport;
  struct Claimed {
    core::TenantId tenant;
    core::ServerId server;
    std::int64_t id = 0;
    std::string path;
  };

  core::Result<Answer> ExchangeThroughDatabase(const core::TenantId& tenant, const core::ServerId& server,
                                               const std::string& path);
  // Why a relay that no process holds cannot be asked: relay.not_connected, with since when.
  core::Error NotConnected(const core::TenantId& tenant, const core::ServerId& server);

  void Background();
  void Heartbeat();
  void WriteState(const core::ServerId& server, const RelayView& view);
  void ClaimExchanges(const std::set<std::string>& tenants);
  void CheckTokens(const std::set<std::string>& tenants);
  void Forward();

  db::Pool& pool_;
  RelayTokens& tokens_;
  core::Logger log_;
  RelaysOptions options_;
  Hub hub_;
  std::function<void(const core::TenantId&, const core::ServerId&)> on_connected_;

  std::mutex mutex_;
  std::condition_variable wake_;            // the background thread: notices, stop
  std::condition_variable answers_;         // askers through the database: an exchange was answered
  std::condition_variable forward_;         // forwarders: claimed work
  std::set<std::string> exchange_tenants_;  // notices of relay_exchanges not handled yet
  std::set<std::string> token_tenants_;     // notices of relay_tokens and servers not handled yet
  std::uint64_t answer_notices_ = 0;
  std::deque<Claimed> claimed_;
  std::map<core::ServerId, int> forwarding_;  // claimed exchanges running, by relay
  std::set<core::ServerId> gone_written_;     // the background thread's only
  bool stopping_ = false;
  bool started_ = false;
  std::thread background_;
  std::vector<std::thread> forwarders_;
};

// Authenticates relays by their token (AuthKind::relay_token): the principal is the token's
// tenant, its subject the server, and verified a RelayLink. Header only: a stranger is refused
// before a byte of the body.
class RelayAuthenticator final : public http::Authenticator {
 public:
  RelayAuthenticator(RelayTokens& tokens, core::Logger log) : tokens_(tokens), log_(std::move(log)) {}
  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;
  bool NeedsBody() const override { return false; }

 private:
  RelayTokens& tokens_;
  core::Logger log_;
};

// The route relays poll.
void AddRelayRoutes(http::Router& router, Relays& relays);

}  // namespace tcj::relay
